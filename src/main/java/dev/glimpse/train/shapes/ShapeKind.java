package dev.glimpse.train.shapes;

/**
 * The kinds of shape the shapes world draws. Chosen so that their silhouettes stay distinct at 64
 * px even with small rotations: a round one, two with straight edges but different corner counts,
 * and two with concave outlines.
 */
public enum ShapeKind {
  CIRCLE("circle"),
  SQUARE("square"),
  TRIANGLE("triangle"),
  STAR("star"),
  CROSS("cross");

  private final String word;

  ShapeKind(String word) {
    this.word = word;
  }

  /** The single vocabulary word that names this kind in captions, questions and answers. */
  public String word() {
    return word;
  }
}
