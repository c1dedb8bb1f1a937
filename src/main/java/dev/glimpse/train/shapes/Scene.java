package dev.glimpse.train.shapes;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A scene of the shapes world: what is in the picture, independent of the resolution it is drawn
 * at.
 *
 * <p>Invariants checked here, because every question of {@link ShapesLanguage} relies on them: one
 * to {@link #MAX_SHAPES} shapes, no two with the same kind and colour (so "the red circle" always
 * names one shape), and no two whose bounding circles overlap.
 *
 * @param shapes the shapes in generation order (not a meaningful order; captions sort them)
 * @param background what lies behind the shapes
 * @param renderSeed seeds the renderer's jitter and pixel noise, so the same scene always gives the
 *     same pixels
 */
public record Scene(List<Shape> shapes, Background background, long renderSeed) {

  public static final int MAX_SHAPES = 3;

  public Scene {
    shapes = List.copyOf(shapes);
    if (shapes.isEmpty() || shapes.size() > MAX_SHAPES) {
      throw new IllegalArgumentException(
          "a scene has 1 to " + MAX_SHAPES + " shapes, got " + shapes.size());
    }
    if (background == null) {
      throw new IllegalArgumentException("background is required");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < shapes.size(); i++) {
      Shape a = shapes.get(i);
      if (!seen.add(a.kind() + "/" + a.color())) {
        throw new IllegalArgumentException("two shapes share kind and colour: " + a);
      }
      for (int j = i + 1; j < shapes.size(); j++) {
        Shape b = shapes.get(j);
        if (a.distanceTo(b) < a.radius() + b.radius()) {
          throw new IllegalArgumentException("shapes overlap: " + a + " and " + b);
        }
      }
    }
  }

  public int count() {
    return shapes.size();
  }

  /** True when some shape has this kind. */
  public boolean contains(ShapeKind kind) {
    return shapes.stream().anyMatch(s -> s.kind() == kind);
  }

  /** True when some shape has this kind and colour. */
  public boolean contains(ShapeKind kind, ShapeColor color) {
    return shapes.stream().anyMatch(s -> s.is(kind, color));
  }

  /** The shapes of this kind, in scene order. */
  public List<Shape> ofKind(ShapeKind kind) {
    return shapes.stream().filter(s -> s.kind() == kind).toList();
  }

  /** The shapes of this colour, in scene order. */
  public List<Shape> ofColor(ShapeColor color) {
    return shapes.stream().filter(s -> s.color() == color).toList();
  }
}
