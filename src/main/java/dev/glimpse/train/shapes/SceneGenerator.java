package dev.glimpse.train.shapes;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws random scenes from a {@link SplittableRandom}, so a seed fixes the scene.
 *
 * <p>Placement is by rejection: centres are uniform over the positions that keep the shape inside
 * the image, and a candidate is rejected when it comes closer to another shape than {@link #REACH}
 * times the sum of their radii plus {@link #GAP}. The gap is what the renderer's largest jitter
 * ({@link Jitter#MAX_POSITION}, {@link Jitter#MAX_SIZE}) can take away, plus a pixel at 64 px, so
 * rendered shapes never touch. Two further rules keep the captions learnable, because a caption the
 * picture does not decide is noise to the model:
 *
 * <ul>
 *   <li>two shapes must be clearly side by side or clearly one above the other: the larger of |dx|,
 *       |dy| exceeds the smaller by at least {@link #RELATION_MARGIN};
 *   <li>three shapes must have clearly different x, at least {@link #ORDER_MARGIN} apart, so the
 *       left-to-right order of the caption is visible.
 * </ul>
 */
public final class SceneGenerator {

  /**
   * How far the outline of any kind may reach from its centre, in radii (a square's corner reaches
   * 1.1); {@link ShapeRenderer} keeps every outline within it.
   */
  public static final double REACH = 1.1;

  /**
   * Clearance between the reach circles of two shapes, as a fraction of the image side: both may
   * move by {@link Jitter#MAX_POSITION} along each axis (0.028 together, diagonally) and grow by
   * {@link Jitter#MAX_SIZE} (up to 0.02 for two large shapes), plus the rim and one pixel at 64 px.
   */
  public static final double GAP = 0.08;

  /** Least distance of a shape's reach circle from the image edge, as a fraction of the side. */
  public static final double EDGE = 0.03;

  /** See the class comment: how much the dominant axis must dominate for two shapes. */
  public static final double RELATION_MARGIN = 0.08;

  /** See the class comment: least x distance between any two of three shapes. */
  public static final double ORDER_MARGIN = 0.12;

  private static final int PLACEMENT_TRIES = 200;

  private final int minShapes;
  private final int maxShapes;

  /** A generator of scenes with 1 to {@link Scene#MAX_SHAPES} shapes, count uniform. */
  public SceneGenerator() {
    this(1, Scene.MAX_SHAPES);
  }

  public SceneGenerator(int minShapes, int maxShapes) {
    if (minShapes < 1 || maxShapes > Scene.MAX_SHAPES || minShapes > maxShapes) {
      throw new IllegalArgumentException(
          "shape counts must satisfy 1 <= min <= max <= "
              + Scene.MAX_SHAPES
              + ", got "
              + minShapes
              + ".."
              + maxShapes);
    }
    this.minShapes = minShapes;
    this.maxShapes = maxShapes;
  }

  /** A random scene; the shape count is uniform over the generator's range. */
  public Scene generate(SplittableRandom rng) {
    return generate(rng, null, null);
  }

  /** A random scene that contains a shape of this kind and colour (its size and place random). */
  public Scene generateContaining(SplittableRandom rng, ShapeKind kind, ShapeColor color) {
    return generate(rng, kind, color);
  }

  /**
   * Draws the count once, then retries the rest until a layout is accepted: redrawing the count as
   * well would favour one-shape scenes, whose layouts are never rejected.
   */
  private Scene generate(SplittableRandom rng, ShapeKind kind, ShapeColor color) {
    int count = drawCount(rng);
    while (true) {
      Scene scene = attempt(rng, count, kind, color);
      if (scene != null) {
        return scene;
      }
    }
  }

  /**
   * A random scene with no shape of this kind and colour. The count is drawn once, as in {@link
   * #generate}, so rejecting scenes that hold the shape does not favour fewer shapes.
   */
  public Scene generateWithout(SplittableRandom rng, ShapeKind kind, ShapeColor color) {
    int count = drawCount(rng);
    while (true) {
      Scene scene = attempt(rng, count, null, null);
      if (scene != null && !scene.contains(kind, color)) {
        return scene;
      }
    }
  }

  private int drawCount(SplittableRandom rng) {
    return minShapes + rng.nextInt(maxShapes - minShapes + 1);
  }

  /** One try at a scene; null when placement failed and the caller should draw again. */
  private Scene attempt(
      SplittableRandom rng, int count, ShapeKind forcedKind, ShapeColor forcedColor) {
    ShapeKind[] kinds = ShapeKind.values();
    ShapeColor[] colors = ShapeColor.values();
    ShapeSize[] sizes = ShapeSize.values();
    List<Shape> shapes = new ArrayList<>(count);
    int forcedAt = forcedKind == null ? -1 : rng.nextInt(count);
    for (int i = 0; i < count; i++) {
      ShapeKind kind;
      ShapeColor color;
      if (i == forcedAt) {
        kind = forcedKind;
        color = forcedColor;
      } else {
        kind = kinds[rng.nextInt(kinds.length)];
        color = colors[rng.nextInt(colors.length)];
      }
      boolean forcedComesLater = i < forcedAt && kind == forcedKind && color == forcedColor;
      if (taken(shapes, kind, color) || forcedComesLater) {
        return null;
      }
      ShapeSize size = sizes[rng.nextInt(sizes.length)];
      Shape placed = place(rng, shapes, kind, color, size);
      if (placed == null) {
        return null;
      }
      shapes.add(placed);
    }
    if (!layoutIsReadable(shapes)) {
      return null;
    }
    return new Scene(shapes, background(rng), rng.nextLong());
  }

  private static boolean taken(List<Shape> shapes, ShapeKind kind, ShapeColor color) {
    return shapes.stream().anyMatch(s -> s.is(kind, color));
  }

  private static Shape place(
      SplittableRandom rng, List<Shape> placed, ShapeKind kind, ShapeColor color, ShapeSize size) {
    double r = size.radius();
    double lo = REACH * r + EDGE;
    double hi = 1 - REACH * r - EDGE;
    for (int t = 0; t < PLACEMENT_TRIES; t++) {
      double x = lo + rng.nextDouble() * (hi - lo);
      double y = lo + rng.nextDouble() * (hi - lo);
      boolean free = true;
      for (Shape s : placed) {
        if (Math.hypot(x - s.x(), y - s.y()) < REACH * (r + s.radius()) + GAP) {
          free = false;
          break;
        }
      }
      if (free) {
        return new Shape(kind, color, size, x, y);
      }
    }
    return null;
  }

  private static boolean layoutIsReadable(List<Shape> shapes) {
    if (shapes.size() == 2) {
      double dx = Math.abs(shapes.get(0).x() - shapes.get(1).x());
      double dy = Math.abs(shapes.get(0).y() - shapes.get(1).y());
      return Math.abs(dx - dy) >= RELATION_MARGIN;
    }
    if (shapes.size() == 3) {
      for (int i = 0; i < 3; i++) {
        for (int j = i + 1; j < 3; j++) {
          if (Math.abs(shapes.get(i).x() - shapes.get(j).x()) < ORDER_MARGIN) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /** Light and nearly grey: brightness 0.86 to 0.97, saturation at most 0.12, any hue. */
  private static Background background(SplittableRandom rng) {
    float hue = (float) rng.nextDouble();
    float saturation = (float) (rng.nextDouble() * 0.12);
    float brightness = (float) (0.86 + rng.nextDouble() * 0.11);
    float shift = (float) ((rng.nextDouble() - 0.5) * 0.08);
    float bottom = Math.max(0.82f, Math.min(0.99f, brightness + shift));
    int top = Color.HSBtoRGB(hue, saturation, brightness) & 0xFFFFFF;
    int bot = Color.HSBtoRGB(hue, saturation, bottom) & 0xFFFFFF;
    int noise = rng.nextInt(5);
    return new Background(top, bot, noise);
  }
}
