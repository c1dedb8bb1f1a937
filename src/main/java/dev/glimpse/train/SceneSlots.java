package dev.glimpse.train;

import dev.glimpse.train.shapes.Region;
import dev.glimpse.train.shapes.Scene;
import dev.glimpse.train.shapes.Shape;
import dev.glimpse.train.shapes.ShapesLanguage;
import dev.glimpse.train.shapes.ShapesVocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The scene description that fills the image slot while the language model is pretrained on text
 * alone (the LiMBeR recipe), and the per-token target of the vision tower's pretraining: each image
 * token stands for a bag of words, its embedding the sum of theirs, so a linear projector only has
 * to map patch feature i to that sum.
 *
 * <p>For 16 image tokens: one token per shape in caption order (the order {@link
 * ShapesLanguage#caption} names them), the bag {@code size colour kind region}; then the number of
 * shapes; then how the caption joins them ({@code left} for a pair side by side, {@code above} for
 * a pair one over the other, {@code and} for three); unused tokens hold {@code <pad>}.
 *
 * <p>One token per shape makes every lookup a single step of attention: "what color is the circle"
 * attends to the token whose bag holds {@code circle} and reads the colour from the same vector.
 * With one word per token (tried first) the answer sat in a neighbouring token and the language
 * model stayed near chance on two and three shapes.
 */
public final class SceneSlots {

  /** Image tokens the description needs: 3 shapes, the count and the relation. */
  public static final int MIN_SLOTS = 5;

  /** The token that holds the number of shapes. */
  public static final int COUNT_SLOT = 3;

  /** The token that holds how the caption joins the shapes. */
  public static final int JOINER_SLOT = 4;

  private static final ShapesVocabulary V = ShapesVocabulary.SHAPES;

  private SceneSlots() {}

  /** Per image token, the ids of the words whose embeddings it sums; {@code slots} of them. */
  public static int[][] bags(Scene scene, int slots) {
    if (slots < MIN_SLOTS) {
      throw new IllegalArgumentException(
          "the description needs " + MIN_SLOTS + " image tokens, not " + slots);
    }
    int[][] bags = new int[slots][];
    Arrays.fill(bags, new int[] {ShapesVocabulary.PAD_ID});
    List<Shape> ordered = captionOrder(scene);
    for (int i = 0; i < ordered.size(); i++) {
      Shape s = ordered.get(i);
      bags[i] =
          new int[] {
            V.id(s.size().word()),
            V.id(s.color().word()),
            V.id(s.kind().word()),
            V.id(Region.containing(s.x(), s.y()).word())
          };
    }
    bags[COUNT_SLOT] = new int[] {V.id(ShapesLanguage.number(scene.count()))};
    bags[JOINER_SLOT] =
        switch (scene.count()) {
          case 1 -> new int[] {ShapesVocabulary.PAD_ID};
          case 2 -> new int[] {V.id(sideBySide(ordered.get(0), ordered.get(1)) ? "left" : "above")};
          default -> new int[] {V.id("and")};
        };
    return bags;
  }

  /**
   * Rows of {@link #bags} as a multi-hot matrix, (rows × slots × vocab) row-major: times the
   * embedding table it gives the image tokens' embeddings.
   */
  public static float[] multiHot(int[][][] bags, int vocab) {
    int slots = bags.length == 0 ? 0 : bags[0].length;
    float[] hot = new float[bags.length * slots * vocab];
    for (int r = 0; r < bags.length; r++) {
      for (int i = 0; i < slots; i++) {
        for (int id : bags[r][i]) {
          hot[(r * slots + i) * vocab + id] = 1;
        }
      }
    }
    return hot;
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
      Arrays.fill(a, ShapesVocabulary.PAD_ID);
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

  /** The bags as text, a token's words joined by {@code +}: for logs and tests. */
  public static String words(Scene scene, int slots) {
    StringBuilder sb = new StringBuilder();
    for (int[] bag : bags(scene, slots)) {
      sb.append(sb.length() == 0 ? "" : " ");
      for (int j = 0; j < bag.length; j++) {
        sb.append(j == 0 ? "" : "+").append(V.token(bag[j]));
      }
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
