package dev.glimpse.train.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ShapesDatasetTest {

  private static final ShapesDataset.Splits SPLITS =
      ShapesDataset.split(2026, DatasetConfig.defaults());

  @Test
  void sameSeedAndIndexGiveTheSameExampleAndPixels() {
    ShapesDataset again = ShapesDataset.split(2026, DatasetConfig.defaults()).train();
    for (long i : new long[] {0, 1, 17, 123_456_789L}) {
      Example a = SPLITS.train().example(i);
      Example b = again.example(i);
      assertEquals(a.scene(), b.scene());
      assertEquals(a.question(), b.question());
      assertEquals(a.answer(), b.answer());
      assertArrayEquals(ShapeRenderer.png(a.image()), ShapeRenderer.png(b.image()));
    }
  }

  @Test
  void examplesDoNotDependOnTheOrderTheyAreDrawnIn() {
    List<Example> forward = SPLITS.train().stream(0, 20).toList();
    for (int i = 19; i >= 0; i--) {
      assertEquals(forward.get(i).scene(), SPLITS.train().example(i).scene());
    }
    List<String> parallel =
        LongStream.range(0, 200)
            .parallel()
            .mapToObj(SPLITS.train()::example)
            .map(Example::answer)
            .toList();
    List<String> sequential = SPLITS.train().stream(0, 200).map(Example::answer).toList();
    assertEquals(sequential, parallel);
  }

  @Test
  void trainAndEvaluationSeedsAreDisjoint() {
    Set<Long> train = new HashSet<>();
    for (long i = 0; i < 100_000; i++) {
      train.add(ShapesDataset.exampleSeed(2026, ShapesDataset.Split.TRAIN, i));
    }
    assertEquals(100_000, train.size());
    for (long i = 0; i < 100_000; i++) {
      assertTrue(train.add(ShapesDataset.exampleSeed(2026, ShapesDataset.Split.EVALUATION, i)));
    }
  }

  @Test
  void trainAndEvaluationDrawDifferentScenes() {
    Set<Scene> train = new HashSet<>();
    SPLITS.train().stream(0, 2_000).forEach(e -> train.add(e.scene()));
    SPLITS.evaluation().stream(0, 2_000).forEach(e -> assertTrue(!train.contains(e.scene())));
  }

  @Test
  void differentSeedsGiveDifferentDatasets() {
    ShapesDataset other = ShapesDataset.split(2027, DatasetConfig.defaults()).train();
    assertNotEquals(SPLITS.train().example(0).scene(), other.example(0).scene());
  }

  @Test
  void evaluationRendersWithoutJitter() {
    assertEquals(Jitter.NONE, SPLITS.evaluation().config().jitter());
    assertEquals(Jitter.MILD, SPLITS.train().config().jitter());
    Example e = SPLITS.evaluation().example(3);
    BufferedImage plain = new ShapeRenderer(64, Jitter.NONE).render(e.scene());
    assertArrayEquals(ShapeRenderer.png(plain), ShapeRenderer.png(e.image()));
  }

  @Test
  void defaultMixFollowsItsWeights() {
    Map<PromptKind, Integer> kinds = new EnumMap<>(PromptKind.class);
    Map<QuestionType, Integer> types = new EnumMap<>(QuestionType.class);
    SPLITS.train().stream(0, 10_000)
        .forEach(
            e -> {
              kinds.merge(e.kind(), 1, Integer::sum);
              if (e.questionType() != null) {
                types.merge(e.questionType(), 1, Integer::sum);
              }
            });
    assertBetween(kinds.get(PromptKind.CAPTION), 2_300, 2_700);
    assertBetween(kinds.get(PromptKind.QUESTION), 4_750, 5_250);
    assertBetween(kinds.get(PromptKind.MODERATION), 2_300, 2_700);
    for (QuestionType t : QuestionType.values()) {
      assertBetween(types.get(t), 880, 1_120);
    }
  }

  @Test
  void captionsOnlyMixGivesOnlyCaptions() {
    ShapesDataset captions =
        new ShapesDataset(
            1, ShapesDataset.Split.TRAIN, DatasetConfig.defaults().withMix(TaskMix.CAPTIONS_ONLY));
    captions.stream(0, 500)
        .forEach(
            e -> {
              assertEquals(PromptKind.CAPTION, e.kind());
              assertNull(e.question());
              assertEquals(ShapesLanguage.caption(e.scene()), e.answer());
              assertEquals("USER: <image>\ndescribe the image ASSISTANT:", e.prompt());
            });
  }

  @Test
  void examplesCarryTheLlavaPromptAndTarget() {
    Example e =
        SPLITS.train().stream(0, 100)
            .filter(x -> x.kind() == PromptKind.QUESTION)
            .findFirst()
            .orElseThrow();
    assertEquals("USER: <image>\n" + e.question() + " ASSISTANT:", e.prompt());
    assertEquals(" " + e.answer() + "</s>", e.target());
  }

  @Test
  void imageSizeIsConfigurable() {
    ShapesDataset small =
        new ShapesDataset(5, ShapesDataset.Split.TRAIN, DatasetConfig.defaults().withImageSize(56));
    BufferedImage image = small.example(0).image();
    assertEquals(56, image.getWidth());
    assertEquals(56, image.getHeight());
    assertEquals(BufferedImage.TYPE_INT_RGB, image.getType());
  }

  // How fast examples are drawn is a benchmark's question, not a test's; what a test can check
  // is that a stream from an offset is the indexed examples themselves, numbered from there.
  @Test
  void aStreamFromAnOffsetGivesThoseIndicesInOrder() {
    List<Example> drawn = SPLITS.train().stream(1_000, 50).toList();
    assertEquals(50, drawn.size());
    for (int i = 0; i < drawn.size(); i++) {
      Example example = drawn.get(i);
      assertEquals(1_000 + i, example.index());
      assertEquals(SPLITS.train().example(1_000 + i).scene(), example.scene());
      assertEquals(SPLITS.train().example(1_000 + i).answer(), example.answer());
    }
  }

  private static void assertBetween(int value, int lo, int hi) {
    assertTrue(value >= lo && value <= hi, value + " not in [" + lo + ", " + hi + "]");
  }
}
