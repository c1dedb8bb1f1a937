package dev.glimpse.train.shapes;

/**
 * The moderation categories of the demo policy. Each is defined by one kind and colour of shape, so
 * a scene is flagged exactly when it contains that shape, and the model is asked a yes/no question
 * that names the category, not the shape: it has to learn the concept, as a real moderation model
 * must.
 */
public enum ModerationCategory {
  /** A red triangle, like a road warning sign. */
  WARNING_SIGN("warning_sign", ShapeKind.TRIANGLE, ShapeColor.RED, "is there a warning sign"),
  /** A yellow star. */
  HAZARD("hazard", ShapeKind.STAR, ShapeColor.YELLOW, "is there a hazard");

  private final String id;
  private final ShapeKind kind;
  private final ShapeColor color;
  private final String question;

  ModerationCategory(String id, ShapeKind kind, ShapeColor color, String question) {
    this.id = id;
    this.kind = kind;
    this.color = color;
    this.question = ShapesLanguage.requireCanonical(question);
  }

  /** The stable identifier used in moderation verdicts ("warning_sign"). */
  public String id() {
    return id;
  }

  /** The kind of the shape that triggers this category. */
  public ShapeKind kind() {
    return kind;
  }

  /** The colour of the shape that triggers this category. */
  public ShapeColor color() {
    return color;
  }

  /** The yes/no question the model is asked for this category. */
  public String question() {
    return question;
  }
}
