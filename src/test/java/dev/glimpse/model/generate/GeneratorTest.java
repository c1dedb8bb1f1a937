package dev.glimpse.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import dev.glimpse.HandComputed;
import dev.glimpse.model.Fixture;
import dev.glimpse.model.LlavaModel;
import dev.glimpse.model.LoadedCheckpoint;
import dev.glimpse.model.ModelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Decoding equals transformers' generate, alone and as one left-padded batch. */
class GeneratorTest {
  private static final int NEW_TOKENS = 12;
  private static Fixture fixture;
  private static LoadedCheckpoint loaded;
  private static LlavaModel model;
  private static Generator generator;

  @BeforeAll
  static void load() {
    fixture = Fixture.llavaTinyA();
    loaded = LoadedCheckpoint.onCpu(fixture);
    model = loaded.model();
    generator =
        new Generator(model, loaded.tokenizer(), Set.of(model.config().text().eosTokenId()));
  }

  @AfterAll
  static void close() {
    loaded.close();
  }

  private static float[] image(int c) {
    return loaded.pixelsOfCase(c);
  }

  private static GenerationRequest request(int c, GenerationOptions options) {
    return GenerationRequest.ofPixels(fixture.inputIds(c), List.of(image(c)), options);
  }

  @Test
  void greedyDecodingOfEachCaseEqualsTransformers() {
    for (int c = 0; c < fixture.cases(); c++) {
      Generation g =
          generator.generate(List.of(request(c, GenerationOptions.greedy(NEW_TOKENS)))).get(0);
      assertArrayEquals(fixture.generatedIds(c), g.tokenIds(), "case " + c);
      assertEquals(fixture.testCase(c).get("generated_text").asText(), g.text());
      assertEquals(Generation.FinishReason.MAX_NEW_TOKENS, g.finishReason());
    }
  }

  @Test
  void greedyDecodingAsOneLeftPaddedBatchEqualsTransformers() {
    List<GenerationRequest> batch = new ArrayList<>();
    for (int c = 0; c < fixture.cases(); c++) {
      batch.add(request(c, GenerationOptions.greedy(NEW_TOKENS)));
    }
    List<Generation> out = generator.generate(batch);
    List<int[]> expected = fixture.batchedGeneratedIds();
    for (int c = 0; c < fixture.cases(); c++) {
      assertArrayEquals(expected.get(c), out.get(c).tokenIds(), "row " + c);
    }
  }

  @Test
  void rowsStopOnTheirOwn() {
    List<Generation> out =
        generator.generate(
            List.of(
                request(0, GenerationOptions.greedy(3)),
                request(1, GenerationOptions.greedy(NEW_TOKENS))));
    assertArrayEquals(Arrays.copyOf(fixture.generatedIds(0), 3), out.get(0).tokenIds());
    assertArrayEquals(fixture.generatedIds(1), out.get(1).tokenIds());
  }

  @Test
  void stopStringEndsTheRowAndCutsTheText() {
    GenerationOptions options = new GenerationOptions(NEW_TOKENS, 0, 0, 1, 0, List.of("uu"));
    Generation g = generator.generate(List.of(request(1, options))).get(0);
    assertEquals(Generation.FinishReason.STOP_STRING, g.finishReason());
    assertEquals("ple 4", g.text());
    assertTrue(g.tokenIds().length < NEW_TOKENS);
  }

  @Test
  void samplingIsReproducibleFromItsSeed() {
    GenerationOptions hot = new GenerationOptions(NEW_TOKENS, 5.0, 0, 1, 42, List.of());
    int[] a = generator.generate(List.of(request(0, hot))).get(0).tokenIds();
    int[] b = generator.generate(List.of(request(0, hot))).get(0).tokenIds();
    assertArrayEquals(a, b);
    GenerationOptions otherSeed = new GenerationOptions(NEW_TOKENS, 5.0, 0, 1, 43, List.of());
    assertNotEquals(
        Arrays.toString(a),
        Arrays.toString(generator.generate(List.of(request(0, otherSeed))).get(0).tokenIds()));
  }

  @Test
  void topKOfOneIsGreedy() {
    GenerationOptions topOne = new GenerationOptions(NEW_TOKENS, 1.0, 1, 1, 7, List.of());
    assertArrayEquals(
        fixture.generatedIds(2), generator.generate(List.of(request(2, topOne))).get(0).tokenIds());
  }

  @Test
  void candidateScoresAreTheLogProbabilitiesOfTransformersLogits() {
    // the last prompt token scored as a candidate after the rest of the prompt
    for (int c = 0; c < fixture.cases(); c++) {
      int[] ids = fixture.inputIds(c);
      int[] prompt = Arrays.copyOf(ids, ids.length - 1);
      int last = ids[ids.length - 1];
      int other = last == 7 ? 8 : 7;
      Candidates scores =
          generator
              .score(
                  List.of(
                      ScoringRequest.ofPixels(
                          prompt,
                          List.of(image(c)),
                          List.of("last", "other"),
                          List.of(new int[] {last}, new int[] {other}))))
              .get(0);
      float[] logits = fixture.tensor("case" + c + ".logits_all");
      int vocab = logits.length / ids.length;
      double expected = HandComputed.logSoftmax(logits, (ids.length - 2) * vocab, vocab, last);
      assertEquals(expected, scores.logProbabilities()[0], 1e-4, "case " + c);
      assertEquals(1.0, scores.probabilities()[0] + scores.probabilities()[1], 1e-9);
    }
  }

  @Test
  void multiTokenCandidatesSumTheirTokens() {
    int[] ids = fixture.inputIds(0);
    int[] prompt = Arrays.copyOf(ids, ids.length - 2);
    int[] tail = Arrays.copyOfRange(ids, ids.length - 2, ids.length);
    Candidates two =
        generator
            .score(
                List.of(
                    ScoringRequest.ofPixels(
                        prompt,
                        List.of(image(0)),
                        List.of("tail", "x"),
                        List.of(tail, new int[] {9}))))
            .get(0);
    Candidates first =
        generator
            .score(
                List.of(
                    ScoringRequest.ofPixels(
                        prompt, List.of(image(0)), List.of("a"), List.of(new int[] {tail[0]}))))
            .get(0);
    Candidates second =
        generator
            .score(
                List.of(
                    ScoringRequest.ofPixels(
                        Arrays.copyOf(ids, ids.length - 1),
                        List.of(image(0)),
                        List.of("b"),
                        List.of(new int[] {tail[1]}))))
            .get(0);
    assertEquals(
        first.logProbabilities()[0] + second.logProbabilities()[0],
        two.logProbabilities()[0],
        1e-4);
  }

  @Test
  void decodingLeavesNoArrayBehindOnTheModel() {
    var manager = (BaseNDManager) model.manager();
    int before = manager.getManagedArrays().size();
    generator.generate(
        List.of(
            request(0, GenerationOptions.greedy(NEW_TOKENS)),
            request(1, new GenerationOptions(NEW_TOKENS, 1.0, 5, 0.9, 3, List.of()))));
    generator.score(
        List.of(
            ScoringRequest.ofPixels(
                fixture.inputIds(0),
                List.of(image(0)),
                List.of("a", "b"),
                List.of(new int[] {7}, new int[] {8}))));
    assertEquals(before, manager.getManagedArrays().size(), "arrays left on the model's manager");
  }

  @Test
  void promptLongerThanTheContextIsRefused() {
    int[] ids = new int[model.config().text().maxPositionEmbeddings() + 5];
    Arrays.fill(ids, 10);
    ModelException e =
        assertThrows(
            ModelException.class,
            () ->
                generator.generate(
                    List.of(
                        GenerationRequest.ofPixels(ids, List.of(), GenerationOptions.greedy(2)))));
    assertEquals(ModelException.Code.PROMPT_TOO_LONG, e.code());
  }
}
