package dev.glimpse.train.shapes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The language of the shapes world: one caption per scene and questions with one-word answers.
 *
 * <p>Every string is canonical: lowercase ASCII words separated by single spaces, with no
 * punctuation. That keeps the word-level tokenizer trivial ({@link ShapesVocabulary} holds every
 * word) and makes decode(encode(answer)) return the answer exactly, so an evaluator can compare
 * strings.
 *
 * <p>Captions name shapes as "a {size} {color} {kind}" and order them so the picture decides the
 * order, never the generator:
 *
 * <ul>
 *   <li>one shape: "a small red circle";
 *   <li>two shapes side by side: the left one first, "a small red circle to the left of a large
 *       blue square"; one above the other: the upper one first, "a large blue square above a small
 *       red circle" ({@link SceneGenerator} keeps every pair clearly one or the other);
 *   <li>three shapes: left to right, "a small red circle a large blue square and a small green
 *       triangle".
 * </ul>
 *
 * Because the subject is always the left or upper shape, "right of" and "below" never occur; a
 * caption the model could phrase two ways would make the target depend on nothing in the image.
 */
public final class ShapesLanguage {

  /** The question a caption example asks, as in LLaVA's captioning prompts. */
  public static final String CAPTION_QUESTION = "describe the image";

  public static final String COUNT_QUESTION = "how many shapes are there";

  private static final Pattern CANONICAL = Pattern.compile("[a-z]+( [a-z]+)*");

  private static final String[] NUMBERS = {"one", "two", "three"};

  private ShapesLanguage() {}

  /** The caption of a scene (see the class comment for the grammar). */
  public static String caption(Scene scene) {
    List<Shape> shapes = scene.shapes();
    return switch (shapes.size()) {
      case 1 -> phrase(shapes.get(0));
      case 2 -> pairCaption(shapes.get(0), shapes.get(1));
      default -> leftToRight(shapes);
    };
  }

  /** The left shape first when they are side by side, the upper one first when stacked. */
  private static String pairCaption(Shape a, Shape b) {
    if (Math.abs(a.x() - b.x()) > Math.abs(a.y() - b.y())) {
      Shape left = a.x() < b.x() ? a : b;
      Shape right = left == a ? b : a;
      return phrase(left) + " to the left of " + phrase(right);
    }
    Shape top = a.y() < b.y() ? a : b;
    Shape bottom = top == a ? b : a;
    return phrase(top) + " above " + phrase(bottom);
  }

  /** "A B and C", sorted by x. */
  private static String leftToRight(List<Shape> shapes) {
    List<Shape> sorted = new ArrayList<>(shapes);
    sorted.sort(Comparator.comparingDouble(Shape::x));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < sorted.size(); i++) {
      if (i > 0) {
        sb.append(i == sorted.size() - 1 ? " and " : " ");
      }
      sb.append(phrase(sorted.get(i)));
    }
    return sb.toString();
  }

  /** "a small red circle". */
  public static String phrase(Shape shape) {
    return "a " + shape.size().word() + " " + shape.color().word() + " " + shape.kind().word();
  }

  /** The word for a shape count: "one", "two" or "three". */
  public static String number(int n) {
    if (n < 1 || n > NUMBERS.length) {
      throw new IllegalArgumentException("no number word for " + n);
    }
    return NUMBERS[n - 1];
  }

  /**
   * A question of this type about the scene, its target drawn with {@code rng}; empty when the
   * scene admits no unambiguous question of this type (then draw another scene).
   *
   * <p>{@link QuestionType#EXISTS} answers "yes" and "no" equally often, half of the questions
   * naming a kind and half a colour and kind; half of the colour-and-kind "no" questions are near
   * misses that share the kind or the colour with a shape in the picture.
   */
  public static Optional<Question> ask(Scene scene, QuestionType type, SplittableRandom rng) {
    return switch (type) {
      case COLOR ->
          pick(uniqueBy(scene, Shape::kind), rng)
              .map(s -> new Question("what color is the " + s.kind().word(), s.color().word()));
      case COUNT -> Optional.of(new Question(COUNT_QUESTION, number(scene.count())));
      case EXISTS -> Optional.of(exists(scene, rng));
      case POSITION ->
          pick(scene.shapes().stream().filter(s -> Region.of(s).isPresent()).toList(), rng)
              .map(
                  s ->
                      new Question(
                          "where is the " + s.color().word() + " " + s.kind().word(),
                          Region.of(s).orElseThrow().word()));
      case WHICH_SHAPE ->
          pick(uniqueBy(scene, Shape::color), rng)
              .map(s -> new Question("which shape is " + s.color().word(), s.kind().word()));
    };
  }

  /** The shapes whose key (kind or colour) no other shape of the scene shares. */
  private static List<Shape> uniqueBy(Scene scene, Function<Shape, ?> key) {
    return scene.shapes().stream()
        .filter(
            s ->
                scene.shapes().stream().filter(o -> key.apply(o).equals(key.apply(s))).count() == 1)
        .toList();
  }

  private static Optional<Shape> pick(List<Shape> shapes, SplittableRandom rng) {
    return shapes.isEmpty()
        ? Optional.empty()
        : Optional.of(shapes.get(rng.nextInt(shapes.size())));
  }

  /** "is there a triangle" or "is there an orange star" → "yes" / "no". */
  public static String existsQuestion(ShapeKind kind, ShapeColor color) {
    if (color == null) {
      return "is there a " + kind.word();
    }
    return "is there " + color.article() + " " + color.word() + " " + kind.word();
  }

  private static Question exists(Scene scene, SplittableRandom rng) {
    boolean yes = rng.nextBoolean();
    boolean withColor = rng.nextBoolean();
    if (yes) {
      Shape s = scene.shapes().get(rng.nextInt(scene.count()));
      return new Question(existsQuestion(s.kind(), withColor ? s.color() : null), "yes");
    }
    if (!withColor) {
      List<ShapeKind> absent = new ArrayList<>();
      for (ShapeKind k : ShapeKind.values()) {
        if (!scene.contains(k)) {
          absent.add(k);
        }
      }
      ShapeKind k = absent.get(rng.nextInt(absent.size()));
      return new Question(existsQuestion(k, null), "no");
    }
    boolean nearMiss = rng.nextBoolean();
    List<ShapeKind> kinds = new ArrayList<>();
    List<ShapeColor> colors = new ArrayList<>();
    for (ShapeKind k : ShapeKind.values()) {
      for (ShapeColor c : ShapeColor.values()) {
        boolean shares = scene.shapes().stream().anyMatch(s -> s.kind() == k || s.color() == c);
        if (!scene.contains(k, c) && (!nearMiss || shares)) {
          kinds.add(k);
          colors.add(c);
        }
      }
    }
    int i = rng.nextInt(kinds.size());
    return new Question(existsQuestion(kinds.get(i), colors.get(i)), "no");
  }

  /** Throws unless the text is canonical (lowercase words, single spaces, no punctuation). */
  public static String requireCanonical(String text) {
    if (text == null || !CANONICAL.matcher(text).matches()) {
      throw new IllegalArgumentException("not canonical shapes-world text: '" + text + "'");
    }
    return text;
  }

  /**
   * Reduces a generated answer to canonical form for scoring: lowercase, punctuation dropped,
   * whitespace collapsed. A model that says "Red." is then scored as having said "red".
   */
  public static String normalize(String generated) {
    return generated
        .toLowerCase(Locale.ROOT)
        .replaceAll("[^a-z\\s]", " ")
        .trim()
        .replaceAll("\\s+", " ");
  }

  /** True when the generated text, normalized, equals the expected canonical answer. */
  public static boolean isCorrect(String expected, String generated) {
    return requireCanonical(expected).equals(normalize(generated));
  }
}
