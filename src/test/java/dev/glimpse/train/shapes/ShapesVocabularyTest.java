package dev.glimpse.train.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShapesVocabularyTest {

  private static final ShapesVocabulary VOCAB = ShapesVocabulary.SHAPES;

  @Test
  void specialTokensHaveTheFixtureIds() {
    assertEquals(List.of("<unk>", "<s>", "</s>", "<pad>", "<image>"), VOCAB.tokens().subList(0, 5));
    assertEquals(0, VOCAB.id("<unk>"));
    assertEquals(1, VOCAB.id("<s>"));
    assertEquals(2, VOCAB.id("</s>"));
    assertEquals(3, VOCAB.id("<pad>"));
    assertEquals(4, VOCAB.id("<image>"));
  }

  @Test
  void vocabularyHasFiftyFourTokens() {
    assertEquals(54, VOCAB.size());
  }

  @Test
  void templateSplitsIntoWordsAndColonsAndDropsTheNewline() {
    assertEquals(
        List.of(
            "USER",
            ":",
            "<image>",
            "how",
            "many",
            "shapes",
            "are",
            "there",
            "ASSISTANT",
            ":",
            "two",
            "</s>"),
        VOCAB.tokenize(
            ShapesPrompt.prompt("how many shapes are there") + ShapesPrompt.target("two")));
  }

  @Test
  void unknownWordsBecomeUnk() {
    assertArrayEquals(new int[] {1, VOCAB.id("a"), 0}, VOCAB.encode("a hexagon", true));
  }

  @Test
  void decodingSkipsSpecialsAndJoinsWithSpaces() {
    int[] ids = VOCAB.encode(" a small red circle</s>", false);
    assertEquals("a small red circle", VOCAB.decode(ids, true));
    assertEquals("a small red circle </s>", VOCAB.decode(ids, false));
  }

  @Test
  void everyWordOfTenThousandExamplesIsInTheVocabularyAndEveryWordIsUsed() {
    ShapesDataset data = ShapesDataset.split(31, DatasetConfig.defaults()).train();
    Set<String> used = new HashSet<>();
    for (long i = 0; i < 10_000; i++) {
      Example e = data.example(i);
      for (String text : List.of(e.prompt(), e.target())) {
        for (String token : VOCAB.tokenize(text)) {
          assertTrue(VOCAB.contains(token), "'" + token + "' of '" + text + "'");
          used.add(token);
        }
      }
    }
    Set<String> unused = new HashSet<>(VOCAB.tokens());
    unused.removeAll(used);
    assertEquals(Set.of("<unk>", "<s>", "<pad>"), unused, "tokens no example produced");
  }
}
