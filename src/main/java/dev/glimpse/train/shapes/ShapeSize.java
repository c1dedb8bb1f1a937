package dev.glimpse.train.shapes;

/**
 * The two sizes. A shape's radius is a fraction of the image side, so scenes do not depend on the
 * resolution they are rendered at; at 64 px a small shape spans about 14 px and a large one about
 * 23 px, at least one and a half 14-px patches, and the ratio of 1.6 survives the size jitter.
 */
public enum ShapeSize {
  SMALL("small", 0.11),
  LARGE("large", 0.18);

  private final String word;
  private final double radius;

  ShapeSize(String word, double radius) {
    this.word = word;
    this.radius = radius;
  }

  public String word() {
    return word;
  }

  /** Radius of the shape's bounding circle as a fraction of the image side. */
  public double radius() {
    return radius;
  }
}
