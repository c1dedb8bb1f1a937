package dev.glimpse.train.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShapesLanguageTest {

  private static final Shape SMALL_RED_CIRCLE_LEFT =
      new Shape(ShapeKind.CIRCLE, ShapeColor.RED, ShapeSize.SMALL, 0.2, 0.45);
  private static final Shape LARGE_BLUE_SQUARE_RIGHT =
      new Shape(ShapeKind.SQUARE, ShapeColor.BLUE, ShapeSize.LARGE, 0.75, 0.5);

  private static Scene scene(Shape... shapes) {
    return new Scene(List.of(shapes), Background.plain(), 0);
  }

  @Test
  void oneShapeIsCaptionedBySizeColourAndKind() {
    assertEquals("a small red circle", ShapesLanguage.caption(scene(SMALL_RED_CIRCLE_LEFT)));
  }

  @Test
  void twoShapesSideBySideAreCaptionedLeftOneFirstWhateverTheirOrder() {
    String expected = "a small red circle to the left of a large blue square";
    assertEquals(
        expected, ShapesLanguage.caption(scene(SMALL_RED_CIRCLE_LEFT, LARGE_BLUE_SQUARE_RIGHT)));
    assertEquals(
        expected, ShapesLanguage.caption(scene(LARGE_BLUE_SQUARE_RIGHT, SMALL_RED_CIRCLE_LEFT)));
  }

  @Test
  void twoShapesOneAboveTheOtherAreCaptionedUpperOneFirst() {
    Shape top = new Shape(ShapeKind.STAR, ShapeColor.YELLOW, ShapeSize.LARGE, 0.5, 0.25);
    Shape bottom = new Shape(ShapeKind.CROSS, ShapeColor.GREEN, ShapeSize.SMALL, 0.55, 0.8);
    assertEquals(
        "a large yellow star above a small green cross",
        ShapesLanguage.caption(scene(bottom, top)));
  }

  @Test
  void threeShapesAreCaptionedLeftToRight() {
    Shape middle = new Shape(ShapeKind.TRIANGLE, ShapeColor.GREEN, ShapeSize.SMALL, 0.5, 0.15);
    assertEquals(
        "a small red circle a small green triangle and a large blue square",
        ShapesLanguage.caption(scene(LARGE_BLUE_SQUARE_RIGHT, middle, SMALL_RED_CIRCLE_LEFT)));
  }

  @Test
  void questionsOfEachTypeHaveTheDocumentedForm() {
    Scene s = scene(SMALL_RED_CIRCLE_LEFT, LARGE_BLUE_SQUARE_RIGHT);
    SplittableRandom rng = new SplittableRandom(0);
    Question color = ShapesLanguage.ask(s, QuestionType.COLOR, rng).orElseThrow();
    assertTrue(
        color.equals(new Question("what color is the circle", "red"))
            || color.equals(new Question("what color is the square", "blue")),
        color.toString());
    assertEquals(
        new Question("how many shapes are there", "two"),
        ShapesLanguage.ask(s, QuestionType.COUNT, rng).orElseThrow());
    Question which = ShapesLanguage.ask(s, QuestionType.WHICH_SHAPE, rng).orElseThrow();
    assertTrue(
        which.equals(new Question("which shape is red", "circle"))
            || which.equals(new Question("which shape is blue", "square")),
        which.toString());
    Question where = ShapesLanguage.ask(s, QuestionType.POSITION, rng).orElseThrow();
    assertTrue(
        where.equals(new Question("where is the red circle", "left"))
            || where.equals(new Question("where is the blue square", "right")),
        where.toString());
  }

  @Test
  void existsQuestionsUseTheRightArticle() {
    assertEquals("is there a triangle", ShapesLanguage.existsQuestion(ShapeKind.TRIANGLE, null));
    assertEquals(
        "is there an orange star",
        ShapesLanguage.existsQuestion(ShapeKind.STAR, ShapeColor.ORANGE));
    assertEquals(
        "is there a red cross", ShapesLanguage.existsQuestion(ShapeKind.CROSS, ShapeColor.RED));
  }

  @Test
  void colourIsNotAskedOfAKindThatOccursTwice() {
    Shape blueCircle = new Shape(ShapeKind.CIRCLE, ShapeColor.BLUE, ShapeSize.LARGE, 0.75, 0.5);
    Scene twoCircles = scene(SMALL_RED_CIRCLE_LEFT, blueCircle);
    assertEquals(
        Optional.empty(),
        ShapesLanguage.ask(twoCircles, QuestionType.COLOR, new SplittableRandom(1)));
    assertTrue(
        ShapesLanguage.ask(twoCircles, QuestionType.WHICH_SHAPE, new SplittableRandom(1))
            .isPresent());
  }

  @Test
  void shapesNearARegionBoundaryHaveNoPosition() {
    Shape diagonal = new Shape(ShapeKind.CIRCLE, ShapeColor.RED, ShapeSize.SMALL, 0.2, 0.22);
    assertEquals(Optional.empty(), Region.of(diagonal));
    Shape nearCentre = new Shape(ShapeKind.CIRCLE, ShapeColor.RED, ShapeSize.SMALL, 0.63, 0.5);
    assertEquals(Optional.empty(), Region.of(nearCentre));
    Shape centre = new Shape(ShapeKind.CIRCLE, ShapeColor.RED, ShapeSize.SMALL, 0.53, 0.47);
    assertEquals(Optional.of(Region.CENTER), Region.of(centre));
    Shape top = new Shape(ShapeKind.CIRCLE, ShapeColor.RED, ShapeSize.SMALL, 0.45, 0.15);
    assertEquals(Optional.of(Region.TOP), Region.of(top));
  }

  @Test
  void everyQuestionOverTenThousandScenesHasExactlyOneCorrectAnswer() {
    SceneGenerator generator = new SceneGenerator();
    SplittableRandom rng = new SplittableRandom(2024);
    Map<QuestionType, Integer> asked = new EnumMap<>(QuestionType.class);
    EnumSet<Region> regions = EnumSet.noneOf(Region.class);
    int existsYes = 0;
    for (int i = 0; i < 10_000; i++) {
      Scene s = generator.generate(rng);
      for (QuestionType type : QuestionType.values()) {
        Optional<Question> q = ShapesLanguage.ask(s, type, rng);
        if (q.isEmpty()) {
          continue;
        }
        asked.merge(type, 1, Integer::sum);
        String text = q.get().text();
        String answer = q.get().answer();
        switch (type) {
          case COLOR -> {
            ShapeKind kind = kindNamed(lastWord(text));
            List<Shape> matches = s.ofKind(kind);
            assertEquals(1, matches.size(), text);
            assertEquals(matches.get(0).color().word(), answer, text);
          }
          case WHICH_SHAPE -> {
            ShapeColor color = colorNamed(lastWord(text));
            List<Shape> matches = s.ofColor(color);
            assertEquals(1, matches.size(), text);
            assertEquals(matches.get(0).kind().word(), answer, text);
          }
          case POSITION -> {
            String[] w = text.split(" ");
            ShapeColor color = colorNamed(w[w.length - 2]);
            ShapeKind kind = kindNamed(w[w.length - 1]);
            List<Shape> matches = s.shapes().stream().filter(x -> x.is(kind, color)).toList();
            assertEquals(1, matches.size(), text);
            Shape target = matches.get(0);
            Region region = Region.of(target).orElseThrow();
            assertEquals(region.word(), answer, text);
            regions.add(region);
            // The answer survives the renderer's largest position jitter.
            double j = Jitter.MAX_POSITION;
            for (double dx : new double[] {-j, j}) {
              for (double dy : new double[] {-j, j}) {
                assertEquals(
                    region,
                    Region.containing(target.x() + dx, target.y() + dy),
                    text + " jittered");
              }
            }
          }
          case COUNT -> assertEquals(ShapesLanguage.number(s.count()), answer);
          case EXISTS -> {
            String[] w = text.split(" ");
            ShapeKind kind = kindNamed(w[w.length - 1]);
            boolean present = w.length == 5 ? s.contains(kind, colorNamed(w[3])) : s.contains(kind);
            assertEquals(present ? "yes" : "no", answer, text);
            existsYes += present ? 1 : 0;
          }
          default -> throw new AssertionError(type);
        }
      }
    }
    assertEquals(10_000, asked.get(QuestionType.COUNT));
    assertEquals(10_000, asked.get(QuestionType.EXISTS));
    assertTrue(asked.get(QuestionType.COLOR) > 9_000, "color asked " + asked);
    assertTrue(asked.get(QuestionType.WHICH_SHAPE) > 9_000, "which asked " + asked);
    assertTrue(asked.get(QuestionType.POSITION) > 5_000, "position asked " + asked);
    assertEquals(EnumSet.allOf(Region.class), regions);
    assertTrue(existsYes > 4_700 && existsYes < 5_300, "exists yes " + existsYes);
  }

  @Test
  void everyCaptionAndQuestionIsCanonical() {
    SceneGenerator generator = new SceneGenerator();
    SplittableRandom rng = new SplittableRandom(5);
    for (int i = 0; i < 2_000; i++) {
      Scene s = generator.generate(rng);
      ShapesLanguage.requireCanonical(ShapesLanguage.caption(s));
    }
    assertFalse("a red, circle".matches("[a-z]+( [a-z]+)*"));
  }

  @Test
  void scoringForgivesCaseAndPunctuationButNothingElse() {
    assertTrue(ShapesLanguage.isCorrect("red", " Red."));
    assertTrue(ShapesLanguage.isCorrect("a small red circle", "a small  red circle\n"));
    assertFalse(ShapesLanguage.isCorrect("red", "red circle"));
    assertFalse(ShapesLanguage.isCorrect("yes", "no"));
  }

  private static String lastWord(String text) {
    return text.substring(text.lastIndexOf(' ') + 1);
  }

  private static ShapeKind kindNamed(String word) {
    for (ShapeKind k : ShapeKind.values()) {
      if (k.word().equals(word)) {
        return k;
      }
    }
    throw new AssertionError("no kind " + word);
  }

  private static ShapeColor colorNamed(String word) {
    for (ShapeColor c : ShapeColor.values()) {
      if (c.word().equals(word)) {
        return c;
      }
    }
    throw new AssertionError("no colour " + word);
  }
}
