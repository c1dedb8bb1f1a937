package dev.glimpse.train.shapes;

/**
 * One shape of a scene.
 *
 * @param x centre, as a fraction of the image width (0 left, 1 right)
 * @param y centre, as a fraction of the image height (0 top, 1 bottom)
 */
public record Shape(ShapeKind kind, ShapeColor color, ShapeSize size, double x, double y) {

  public Shape {
    if (kind == null || color == null || size == null) {
      throw new IllegalArgumentException("kind, color and size are required");
    }
    double r = size.radius();
    if (x - r < 0 || x + r > 1 || y - r < 0 || y + r > 1) {
      throw new IllegalArgumentException("shape leaves the image: " + x + "," + y + " r=" + r);
    }
  }

  /** Radius of the bounding circle as a fraction of the image side. */
  public double radius() {
    return size.radius();
  }

  /** True when this shape has the given kind and colour. */
  public boolean is(ShapeKind k, ShapeColor c) {
    return kind == k && color == c;
  }

  /** Distance between the centres of two shapes, in image-side fractions. */
  public double distanceTo(Shape other) {
    return Math.hypot(x - other.x, y - other.y);
  }
}
