package dev.glimpse.train;

import dev.glimpse.train.shapes.Region;
import dev.glimpse.train.shapes.Scene;
import dev.glimpse.train.shapes.Shape;
import dev.glimpse.train.shapes.ShapesLanguage;
import dev.glimpse.train.shapes.ShapesVocabulary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The textual scene description that fills the image slot while the language model is pretrained
 * on text alone (the LiMBeR recipe), and the per-patch target of the vision tower's pretraining:
 * one word per image token, so a linear projector only has to map patch feature i to the
 * embedding of word i.
 *
 * <p>For 16 image tokens: three groups of four slots, one per shape in caption order (the order
 * {@link ShapesLanguage#caption} names them), each {@code size colour kind region}; then the
 * number of shapes; then how the caption joins them ({@code left} for a pair side by side,
 * {@code above} for a pair one over the other, {@code and} for three); unused slots hold {@code
 * <pad>}.
 */
public final class SceneSlots {

  /** Image tokens the description needs: 3 shapes × 4 words, the count and the relation. */
  public static final int MIN_SLOTS = 14;

  private static final ShapesVocabulary V = ShapesVocabulary.SHAPES;

  private SceneSlots() {}

  /** The slot words' token ids, {@code slots} of them. */
  public static int[] ids(Scene scene, int slots) {
    if (slots < MIN_SLOTS) {
      throw new IllegalArgumentException("the description needs " + MIN_SLOTS + " image tokens, not " + slots);
    }
    int[] ids = new int[slots];
    java.util.Arrays.fill(ids, ShapesVocabulary.PAD_ID);
    List<Shape> ordered = captionOrder(scene);
    for (int i = 0; i < ordered.size(); i++) {
      Shape s = ordered.get(i);
      ids[4 * i] = V.id(s.size().word());
      ids[4 * i + 1] = V.id(s.color().word());
      ids[4 * i + 2] = V.id(s.kind().word());
      ids[4 * i + 3] = V.id(Region.containing(s.x(), s.y()).word());
    }
    ids[12] = V.id(ShapesLanguage.number(scene.count()));
    ids[13] = switch (scene.count()) {
      case 1 -> ShapesVocabulary.PAD_ID;
      case 2 -> V.id(sideBySide(ordered.get(0), ordered.get(1)) ? "left" : "above");
      default -> V.id("and");
    };
    return ids;
  }

  /**
   * Per patch of a {@code grid} × {@code grid} patch grid (row-major), the size, colour and kind
   * word of the shape whose centre lies in it, or {@code <pad>}: the vision tower's local,
   * auxiliary targets.
   *
   * @return three arrays of grid² ids: sizes, colours, kinds
   */
  public static int[][] centred(Scene scene, int grid) {
    int[][] out = new int[3][grid * grid];
    for (int[] a : out) {
      java.util.Arrays.fill(a, ShapesVocabulary.PAD_ID);
    }
    for (Shape s : scene.shapes()) {
      int col = Math.min(grid - 1, (int) (s.x() * grid));
      int row = Math.min(grid - 1, (int) (s.y() * grid));
      int i = row * grid + col;
      if (out[0][i] == ShapesVocabulary.PAD_ID) {
        out[0][i] = V.id(s.size().word());
        out[1][i] = V.id(s.color().word());
        out[2][i] = V.id(s.kind().word());
      }
    }
    return out;
  }

  /** The words, for logs and tests. */
  public static String words(Scene scene, int slots) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids(scene, slots)) {
      sb.append(sb.length() == 0 ? "" : " ").append(V.token(id));
    }
    return sb.toString();
  }

  /** The shapes in the order the caption names them. */
  public static List<Shape> captionOrder(Scene scene) {
    List<Shape> shapes = new ArrayList<>(scene.shapes());
    if (shapes.size() == 2) {
      Shape a = shapes.get(0);
      Shape b = shapes.get(1);
      boolean aFirst = sideBySide(a, b) ? a.x() < b.x() : a.y() < b.y();
      return aFirst ? List.of(a, b) : List.of(b, a);
    }
    shapes.sort(Comparator.comparingDouble(Shape::x));
    return shapes;
  }

  private static boolean sideBySide(Shape a, Shape b) {
    return Math.abs(a.x() - b.x()) > Math.abs(a.y() - b.y());
  }
}
