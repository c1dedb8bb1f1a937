package dev.glimpse.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.model.Fixture;
import dev.glimpse.model.ImageFeatures;
import dev.glimpse.model.ImageInput;
import dev.glimpse.model.LlavaModel;
import dev.glimpse.model.VisionLanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On the fixture checkpoint, the tasks of one image continue one prefilled prompt prefix and give
 * exactly what their whole prompts give (and what transformers gave), with one vision pass per
 * image and only the suffixes prefilled per task.
 */
class SharedPrefixTest {
  private static final int NEW_TOKENS = 12;
  private static final double SCORE_TOLERANCE = 1e-5;
  private static final List<String> YES_NO = List.of("yes", "no");
  private static final List<String> CATEGORIES = List.of("violence", "nudity", "weapons");
  private static Fixture fixture;
  private static VisionLanguageModel vlm;
  private static LlavaModel model;
  private static Generator generator;

  @BeforeAll
  static void load() {
    fixture = Fixture.llavaTinyA();
    vlm = VisionLanguageModel.load(fixture.dir(), VisionLanguageModel.Options.cpuFloat32());
    model = vlm.model();
    generator = vlm.generator();
  }

  @AfterAll
  static void close() {
    vlm.close();
  }

  private static float[] image(int c) {
    float[] pixels = fixture.tensor("pixel_values");
    int size = pixels.length / fixture.cases();
    return Arrays.copyOfRange(pixels, c * size, (c + 1) * size);
  }

  private static int[] question(String text) {
    return vlm.encodePrompt(vlm.questionPrompt(text));
  }

  private static String moderation(String category) {
    return vlm.questionPrompt("does the image show " + category + "? answer yes or no");
  }

  private static int[] head(int[] ids, int length) {
    return Arrays.copyOf(ids, length);
  }

  private static GenerationOptions greedy() {
    return GenerationOptions.greedy(NEW_TOKENS);
  }

  /** Fixture case {@code c}'s whole prompt with its image's pixels. */
  private static GenerationRequest wholePrompt(int c) {
    return GenerationRequest.ofPixels(fixture.inputIds(c), List.of(image(c)), greedy());
  }

  /** The greedy tokens of {@code prompt} on image 0, run alone from its whole prompt. */
  private static int[] wholePromptTokens(int[] prompt) {
    return generator
        .generate(List.of(GenerationRequest.ofPixels(prompt, List.of(image(0)), greedy())))
        .get(0)
        .tokenIds();
  }

  /** The prefix two prompts of one image share, prefilled from its features. */
  private static SharedPrefix sharedPrefix(int[] a, int[] b, List<ImageFeatures> features) {
    return generator
        .prefill(List.of(head(a, SharedPrefix.commonLength(List.of(a, b)))), List.of(features))
        .get(0);
  }

  @Test
  void commonLengthLeavesEachPromptAToken() {
    assertEquals(
        3, SharedPrefix.commonLength(List.of(new int[] {1, 2, 3, 4}, new int[] {1, 2, 3, 4, 5})));
    assertEquals(
        2, SharedPrefix.commonLength(List.of(new int[] {1, 2, 3, 4}, new int[] {1, 2, 9})));
    assertEquals(
        3,
        SharedPrefix.commonLength(List.of(new int[] {1, 2, 3, 4})),
        "one prompt: all but its last");
    assertEquals(0, SharedPrefix.commonLength(List.of(new int[] {1, 2}, new int[] {5, 2})));
    assertEquals(
        1,
        SharedPrefix.commonLength(List.of(new int[] {1, 2}, new int[] {1, 2})),
        "identical prompts");
  }

  @Test
  void greedyIdsFromPrefixesPrefilledTogetherEqualTransformersAndTheWholePrompts() {
    // per image its caption (the fixture's prompt) and a question sharing more or fewer words
    String[] questions = {
      "describe the image in one word", "what is in the picture", "describe it"
    };
    List<int[]> prefixes = new ArrayList<>();
    List<List<ImageFeatures>> features = new ArrayList<>();
    List<int[]> asked = new ArrayList<>();
    for (int c = 0; c < fixture.cases(); c++) {
      int[] q = question(questions[c]);
      asked.add(q);
      prefixes.add(head(q, SharedPrefix.commonLength(List.of(fixture.inputIds(c), q))));
      features.add(vlm.encodeImages(List.of(image(c))));
    }
    assertTrue(
        prefixes.stream().mapToInt(p -> p.length).distinct().count() > 1,
        "prefixes of unequal length");
    List<SharedPrefix> shared = generator.prefill(prefixes, features);
    try {
      for (int c = 0; c < fixture.cases(); c++) {
        List<Generation> out =
            generator.generate(
                shared.get(c),
                List.of(
                    GenerationRequest.ofFeatures(fixture.inputIds(c), features.get(c), greedy()),
                    GenerationRequest.ofFeatures(asked.get(c), features.get(c), greedy())));
        assertArrayEquals(fixture.generatedIds(c), out.get(0).tokenIds(), "case " + c + " caption");
        int[] whole =
            generator
                .generate(
                    List.of(GenerationRequest.ofPixels(asked.get(c), List.of(image(c)), greedy())))
                .get(0)
                .tokenIds();
        assertArrayEquals(whole, out.get(1).tokenIds(), "case " + c + " question");
      }
    } finally {
      shared.forEach(SharedPrefix::close);
    }
  }

  @Test
  void captionQuestionAndModerationOfOneImageNeedOneVisionPassAndPrefillOnlyTheirSuffixes() {
    int[] caption = fixture.inputIds(0);
    int[] question = question("what color is the circle");
    List<ImageInput> pixels = List.of(ImageInput.pixels(image(0)));
    // the whole prompts, the reference
    List<Generation> wholeGenerations =
        generator.generate(
            List.of(
                new GenerationRequest(caption, pixels, greedy()),
                new GenerationRequest(question, pixels, greedy())));
    List<Candidates> wholeScores =
        generator.score(
            CATEGORIES.stream()
                .map(c -> vlm.scoringRequest(moderation(c), pixels, YES_NO))
                .toList());

    long imagesBefore = model.imagesEncoded();
    long tokensBefore = model.prefillTokens();
    List<ImageFeatures> features = vlm.encodeImages(List.of(image(0)));
    List<ScoringRequest> moderation =
        CATEGORIES.stream().map(c -> vlm.scoringRequest(moderation(c), features, YES_NO)).toList();
    List<int[]> prompts = new ArrayList<>(List.of(caption, question));
    moderation.forEach(m -> prompts.add(m.promptIds()));
    int p = SharedPrefix.commonLength(prompts);
    List<Generation> generations;
    List<Candidates> scores;
    try (SharedPrefix prefix =
        generator.prefill(List.of(head(caption, p)), List.of(features)).get(0)) {
      assertTrue(
          prefix.imageTokens() == model.config().imageSeqLength(),
          "the prefix holds the whole image");
      generations =
          generator.generate(
              prefix,
              List.of(
                  GenerationRequest.ofFeatures(caption, features, greedy()),
                  GenerationRequest.ofFeatures(question, features, greedy())));
      scores = generator.score(prefix, moderation);
    }
    assertEquals(
        imagesBefore + 1, model.imagesEncoded(), "one vision pass for the image's five tasks");
    long suffixes = prompts.stream().mapToLong(ids -> ids.length - p).sum();
    assertEquals(
        p + suffixes,
        model.prefillTokens() - tokensBefore,
        "the prefix once, then each task's suffix");

    assertArrayEquals(fixture.generatedIds(0), generations.get(0).tokenIds());
    assertArrayEquals(wholeGenerations.get(1).tokenIds(), generations.get(1).tokenIds());
    assertEquals(question.length, generations.get(1).promptTokens());
    for (int i = 0; i < CATEGORIES.size(); i++) {
      for (int j = 0; j < YES_NO.size(); j++) {
        assertEquals(
            wholeScores.get(i).probabilities()[j],
            scores.get(i).probabilities()[j],
            SCORE_TOLERANCE,
            CATEGORIES.get(i) + " " + YES_NO.get(j));
      }
    }
  }

  @Test
  void multiTokenCandidatesScoredFromThePrefixMatchTheWholePrompt() {
    List<ImageInput> pixels = List.of(ImageInput.pixels(image(1)));
    List<String> answers = List.of("a red circle", "blue", "two small squares");
    String[] asks = {"what color is the circle", "what is in the picture"};
    List<ScoringRequest> requests = new ArrayList<>();
    for (String ask : asks) {
      requests.add(vlm.scoringRequest(vlm.questionPrompt(ask), pixels, answers));
    }
    assertTrue(
        requests.get(0).candidateIds().stream().anyMatch(ids -> ids.length > 1),
        "multi-token candidates");
    List<Candidates> whole = generator.score(requests);
    int p = SharedPrefix.commonLength(requests.stream().map(ScoringRequest::promptIds).toList());
    List<Candidates> fromPrefix;
    try (SharedPrefix prefix =
        generator
            .prefill(
                List.of(head(requests.get(0).promptIds(), p)),
                List.of(vlm.encodeImages(List.of(image(1)))))
            .get(0)) {
      fromPrefix = generator.score(prefix, requests);
    }
    for (int r = 0; r < requests.size(); r++) {
      for (int j = 0; j < answers.size(); j++) {
        assertEquals(
            whole.get(r).logProbabilities()[j],
            fromPrefix.get(r).logProbabilities()[j],
            SCORE_TOLERANCE,
            asks[r] + ": " + answers.get(j));
        assertEquals(
            whole.get(r).probabilities()[j], fromPrefix.get(r).probabilities()[j], SCORE_TOLERANCE);
      }
    }
  }

  @Test
  void aModerationPromptOneTokenPastItsPrefixIsScoredFromItAsFromTheWholePrompt() {
    // an image whose only task is one category: the prefix is its prompt but the last token
    List<ImageInput> pixels = List.of(ImageInput.pixels(image(0)));
    ScoringRequest whole = vlm.scoringRequest(moderation(CATEGORIES.get(0)), pixels, YES_NO);
    int[] ids = whole.promptIds();
    Candidates fromPrefix;
    try (SharedPrefix prefix =
        generator
            .prefill(
                List.of(head(ids, SharedPrefix.commonLength(List.of(ids)))),
                List.of(vlm.encodeImages(List.of(image(0)))))
            .get(0)) {
      assertEquals(ids.length - 1, prefix.length(), "one token past the prefix");
      fromPrefix = generator.score(prefix, List.of(whole)).get(0);
    }
    Candidates reference = generator.score(List.of(whole)).get(0);
    for (int j = 0; j < YES_NO.size(); j++) {
      assertEquals(
          reference.probabilities()[j],
          fromPrefix.probabilities()[j],
          SCORE_TOLERANCE,
          YES_NO.get(j));
    }
  }

  @Test
  void moderationOfSeveralImagesScoredInOnePassOnTheirOwnPrefixesMatchesEachImagesWholePrompts() {
    int[] images = {1, 2, 3};
    List<ImageFeatures> features =
        vlm.encodeImages(Arrays.stream(images).mapToObj(SharedPrefixTest::image).toList());
    List<ScoringRequest> all = new ArrayList<>();
    List<Candidates> whole = new ArrayList<>();
    List<int[]> prefixIds = new ArrayList<>();
    for (int i = 0; i < images.length; i++) {
      List<ImageInput> pixels = List.of(ImageInput.pixels(image(images[i])));
      whole.addAll(
          generator.score(
              CATEGORIES.stream()
                  .map(c -> vlm.scoringRequest(moderation(c), pixels, YES_NO))
                  .toList()));
      List<ImageFeatures> its = List.of(features.get(i));
      List<ScoringRequest> mine =
          CATEGORIES.stream().map(c -> vlm.scoringRequest(moderation(c), its, YES_NO)).toList();
      all.addAll(mine);
      int p = SharedPrefix.commonLength(mine.stream().map(ScoringRequest::promptIds).toList());
      prefixIds.add(head(mine.get(0).promptIds(), p));
    }
    List<SharedPrefix> prefixes =
        generator.prefill(prefixIds, features.stream().map(List::of).toList());
    List<Candidates> together;
    try {
      List<SharedPrefix> rowPrefixes = new ArrayList<>();
      for (SharedPrefix prefix : prefixes) {
        CATEGORIES.forEach(c -> rowPrefixes.add(prefix));
      }
      together = generator.scoreOn(rowPrefixes, all);
      assertThrows(
          IllegalArgumentException.class,
          () -> generator.scoreOn(Arrays.asList(prefixes.get(0), null), all.subList(0, 2)),
          "a row without a prefix beside one with");
    } finally {
      prefixes.forEach(SharedPrefix::close);
    }
    for (int r = 0; r < all.size(); r++) {
      String where = "image " + images[r / CATEGORIES.size()] + ", " + CATEGORIES.get(r % 3);
      for (int j = 0; j < YES_NO.size(); j++) {
        assertEquals(
            whole.get(r).probabilities()[j],
            together.get(r).probabilities()[j],
            SCORE_TOLERANCE,
            where + " " + YES_NO.get(j));
        assertEquals(
            whole.get(r).logProbabilities()[j],
            together.get(r).logProbabilities()[j],
            SCORE_TOLERANCE,
            where + " " + YES_NO.get(j) + " (log)");
      }
    }
  }

  @Test
  void requestsJoiningARunningBatchFromAPrefixAtDifferentStepsGiveTheTokensOfTheirWholePrompts() {
    int[] caption = fixture.inputIds(0); // 28 tokens
    int[] question = question("describe the image in one word");
    int[] wholeQuestion = wholePromptTokens(question);
    List<ImageFeatures> features = vlm.encodeImages(List.of(image(0)));
    Map<String, int[]> results = new HashMap<>();
    try (ContinuousBatch<String> batch = generator.newBatch(3, 96);
        SharedPrefix prefix = sharedPrefix(caption, question, features)) {
      batch.join(List.of("case1"), List.of(wholePrompt(1)));
      for (int i = 0; i < 3; i++) {
        batch.step().forEach(f -> results.put(f.tag(), f.generation().tokenIds()));
      }
      List<GenerationRequest> first =
          List.of(GenerationRequest.ofFeatures(caption, features, greedy()));
      assertTrue(batch.canJoin(first, prefix));
      batch.join(List.of("caption"), first, prefix);
      for (int i = 0; i < 2; i++) {
        batch.step().forEach(f -> results.put(f.tag(), f.generation().tokenIds()));
      }
      List<GenerationRequest> second =
          List.of(GenerationRequest.ofFeatures(question, features, greedy()));
      assertTrue(batch.canJoin(prefix, question.length - prefix.length(), NEW_TOKENS));
      assertTrue(batch.canJoin(second, prefix));
      batch.join(List.of("question"), second, prefix);
      while (!batch.isEmpty()) {
        batch.step().forEach(f -> results.put(f.tag(), f.generation().tokenIds()));
      }
    }
    assertArrayEquals(fixture.generatedIds(1), results.get("case1"));
    assertArrayEquals(fixture.generatedIds(0), results.get("caption"));
    assertArrayEquals(wholeQuestion, results.get("question"));
  }

  @Test
  void rowsFromAPrefixMoveLeftTogetherSoThatALaterRowFitsAndKeepTheirTokens() {
    int[] caption = fixture.inputIds(0); // 28 tokens
    int[] question = question("describe the image in one word");
    int[] wholeQuestion = wholePromptTokens(question);
    List<ImageFeatures> features = vlm.encodeImages(List.of(image(0)));
    Map<String, int[]> results = new HashMap<>();
    // case 1 (27 tokens) ends at 39 when it stops; the caption, joined after 3 steps, starts at 2;
    // the question's 12 new tokens fit in 49 positions only once the caption moves 2 to the left
    try (ContinuousBatch<String> batch = generator.newBatch(2, 49);
        SharedPrefix prefix = sharedPrefix(caption, question, features)) {
      batch.join(List.of("case1"), List.of(wholePrompt(1)));
      for (int i = 0; i < 3; i++) {
        batch.step().forEach(f -> results.put(f.tag(), f.generation().tokenIds()));
      }
      batch.join(
          List.of("caption"),
          List.of(GenerationRequest.ofFeatures(caption, features, greedy())),
          prefix);
      while (batch.freeSlots() == 0) {
        batch.step().forEach(f -> results.put(f.tag(), f.generation().tokenIds()));
      }
      List<GenerationRequest> second =
          List.of(GenerationRequest.ofFeatures(question, features, greedy()));
      assertTrue(batch.canJoin(second, prefix));
      batch.join(List.of("question"), second, prefix);
      while (!batch.isEmpty()) {
        batch.step().forEach(f -> results.put(f.tag(), f.generation().tokenIds()));
      }
    }
    assertArrayEquals(fixture.generatedIds(1), results.get("case1"));
    assertArrayEquals(fixture.generatedIds(0), results.get("caption"));
    assertArrayEquals(wholeQuestion, results.get("question"));
  }

  @Test
  void closingThePrefixAfterJoiningChangesNothingTheBatchProduces() {
    int[] caption = fixture.inputIds(2);
    int[] question = question("what is in the picture");
    List<ImageFeatures> features = vlm.encodeImages(List.of(image(2)));
    int[] wholeQuestion =
        generator
            .generate(List.of(GenerationRequest.ofFeatures(question, features, greedy())))
            .get(0)
            .tokenIds();
    List<GenerationRequest> requests =
        List.of(
            GenerationRequest.ofFeatures(caption, features, greedy()),
            GenerationRequest.ofFeatures(question, features, greedy()));
    Map<String, int[]> results = new HashMap<>();
    try (ContinuousBatch<String> batch = generator.newBatch(2, 64)) {
      SharedPrefix prefix =
          generator
              .prefill(
                  List.of(head(caption, SharedPrefix.commonLength(List.of(caption, question)))),
                  List.of(features))
              .get(0);
      batch.join(List.of("caption", "question"), requests, prefix);
      prefix.close();
      assertFalse(batch.canJoin(requests, prefix), "a closed prefix takes no more requests");
      assertFalse(batch.canJoin(prefix, 1, 1));
      assertThrows(
          IllegalStateException.class,
          () ->
              generator.score(
                  prefix,
                  List.of(
                      vlm.scoringRequest(
                          vlm.questionPrompt("what is in the picture"), features, YES_NO))));
      while (!batch.isEmpty()) {
        batch.step().forEach(f -> results.put(f.tag(), f.generation().tokenIds()));
      }
    }
    assertArrayEquals(fixture.generatedIds(2), results.get("caption"));
    assertArrayEquals(wholeQuestion, results.get("question"));
  }

  @Test
  void requestsBuiltFromFeaturesNeverRunTheVisionTower() {
    List<ImageFeatures> features = vlm.encodeImages(List.of(image(0), image(1)));
    assertEquals(
        model.config().imageSeqLength() * model.config().text().hiddenSize() * 4L,
        features.get(0).bytes());
    long before = model.imagesEncoded();
    List<Generation> out =
        generator.generate(
            List.of(
                GenerationRequest.ofFeatures(
                    fixture.inputIds(0), List.of(features.get(0)), greedy()),
                GenerationRequest.ofFeatures(
                    fixture.inputIds(1), List.of(features.get(1)), greedy())));
    generator.score(
        List.of(vlm.scoringRequest(fixture.prompt(0), List.of(features.get(0)), YES_NO)));
    assertEquals(before, model.imagesEncoded());
    assertArrayEquals(fixture.batchedGeneratedIds().get(0), out.get(0).tokenIds());
    assertArrayEquals(fixture.batchedGeneratedIds().get(1), out.get(1).tokenIds());
    // pixels are encoded once per request, however many candidate rows the request becomes
    generator.score(
        List.of(
            vlm.scoringRequest(
                fixture.prompt(0),
                List.of(ImageInput.pixels(image(0))),
                List.of("a red circle", "two small squares"))));
    assertEquals(before + 1, model.imagesEncoded());
  }

  @Test
  void aPromptThatDoesNotContinueThePrefixIsRefused() {
    List<ImageFeatures> features = vlm.encodeImages(List.of(image(0)));
    int[] caption = fixture.inputIds(0);
    try (SharedPrefix prefix =
        generator.prefill(List.of(head(caption, 20)), List.of(features)).get(0)) {
      int[] other = fixture.inputIds(1).clone();
      other[1] = 7;
      var e =
          assertThrows(
              dev.glimpse.model.ModelException.class,
              () ->
                  generator.generate(
                      prefix, List.of(GenerationRequest.ofFeatures(other, features, greedy()))));
      assertEquals(dev.glimpse.model.ModelException.Code.BAD_OPTIONS, e.code());
      try (ContinuousBatch<String> batch = generator.newBatch(1, 64)) {
        assertFalse(
            batch.canJoin(
                List.of(GenerationRequest.ofFeatures(other, features, greedy())), prefix));
      }
    }
  }

  @Test
  void prefixesLeaveNoArrayBehindOnTheModelOnceClosed() {
    var manager = (ai.djl.ndarray.BaseNDManager) model.manager();
    int before = manager.getManagedArrays().size();
    List<ImageFeatures> features = vlm.encodeImages(List.of(image(0)));
    int[] caption = fixture.inputIds(0);
    try (SharedPrefix prefix =
        generator.prefill(List.of(head(caption, 22)), List.of(features)).get(0)) {
      generator.generate(
          prefix, List.of(GenerationRequest.ofFeatures(caption, features, greedy())));
      generator.score(prefix, List.of(vlm.scoringRequest(fixture.prompt(0), features, YES_NO)));
    }
    assertEquals(before, manager.getManagedArrays().size(), "arrays left on the model's manager");
  }
}
