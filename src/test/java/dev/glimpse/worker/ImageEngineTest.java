package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.model.Fixture;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.task.ResolvedTask;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ImageEngineTest {
  private static VisionLanguageModel model;

  @BeforeAll
  static void load() {
    model =
        VisionLanguageModel.load(
            Fixture.llavaTinyA().dir(), VisionLanguageModel.Options.cpuFloat32());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void aGroupWaitsForTheImagesInHandThatFillItHoweverShortMaxWaitIs() {
    // one preparer thread and no max.wait: the first image is ready long before the eighth
    assertEquals(1, visionPasses(8, 8, 0), "8 images in hand, batch 8: one vision pass");
  }

  @Test
  void imagesThatDoNotFillABatchAreEncodedOnceNoneIsLeftInPreparation() {
    assertEquals(
        1, visionPasses(3, 8, 60_000), "3 images, none more coming: encoded without max.wait");
  }

  @Test
  void moreImagesThanABatchTakeOnePassPerFullBatch() {
    assertEquals(3, visionPasses(12, 4, 0), "12 images in batches of 4");
  }

  @Test
  void captionsAloneOnTheirImagesAndBesideAQuestionGiveTheTextsOfTheirWholePrompts() {
    // images 0 and 2 ask a caption alone (whole prompts, prefilled as they join), 1 and 3 a
    // caption and a question (a shared prefix and two suffixes), in batches of 2
    WorkerConfig config =
        WorkerConfig.from(
            Map.of(
                "glimpse.bootstrap.servers", "in-process:0",
                "glimpse.worker.max.batch.size", "2",
                "glimpse.worker.max.wait.ms", "0",
                "glimpse.generate.max.new.tokens.default", "6"));
    String question = "what is in the picture?";
    List<InferenceRequest> requests = new ArrayList<>();
    Map<String, String> expected = new HashMap<>();
    try (ImageEngine engine = new ImageEngine(model, config)) {
      for (int i = 0; i < 4; i++) {
        List<RequestTask> tasks =
            new ArrayList<>(List.of(new RequestTask(0, new CaptionTask(), "c" + i)));
        expected.put("e" + i + "/0", alone(config.taskDefaults().captionQuestion(), i));
        if (i % 2 == 1) {
          tasks.add(new RequestTask(1, new QuestionTask(question), "q" + i));
          expected.put("e" + i + "/1", alone(question, i));
        }
        requests.add(request(i, tasks, engine.modelId()));
      }
      Map<String, String> texts = new HashMap<>();
      for (Outcome o : engine.outcomes(requests)) {
        Outcome.Text t = assertInstanceOf(Outcome.Text.class, o);
        texts.put(t.task().job().request().getEventId() + "/" + t.task().index(), t.text());
      }
      assertEquals(expected, texts);
    }
  }

  @Test
  void moderationOverTheKvBudgetIsScoredInSmallerPassesWithTheSameScores() {
    List<String> categories = List.of("warning_sign", "hazard");
    int positions =
        categories.stream()
            .mapToInt(
                c ->
                    model.encodePrompt(model.questionPrompt(ResolvedTask.Moderation.question(c)))
                        .length)
            .max()
            .orElseThrow();
    KvBudget kv = new KvBudget(model.config().text(), 1);
    // four images in one group: one pass; a budget of two images' rows: two passes
    Moderation whole = moderation(4, categories, Long.MAX_VALUE);
    Moderation halves = moderation(4, categories, kv.bytes(2 * categories.size(), positions));
    assertEquals(1, whole.passes(), "passes with room for all");
    assertEquals(2, halves.passes(), "passes with room for two images");
    assertEquals(whole.scores().keySet(), halves.scores().keySet());
    whole
        .scores()
        .forEach(
            (key, scores) ->
                scores.forEach(
                    (category, p) ->
                        assertEquals(p, halves.scores().get(key).get(category), 1e-5, key)));

    // not even one task fits: each fails with its code, the worker goes on
    long tooSmall = kv.bytes(categories.size(), positions) - 1;
    try (ImageEngine engine = new ImageEngine(model, moderationConfig(4, tooSmall))) {
      List<Outcome> outcomes = engine.outcomes(moderationRequests(4, categories, engine.modelId()));
      assertEquals(4, outcomes.size());
      for (Outcome o : outcomes) {
        Outcome.Failed f = assertInstanceOf(Outcome.Failed.class, o);
        assertEquals(ErrorCode.OVER_MEMORY_BUDGET, f.code());
        assertTrue(f.message().contains("glimpse.worker.kv.cache.max.bytes"), f.message());
      }
    }
  }

  /** What an engine run of moderation gave: scores by event, and the scoring passes it took. */
  private record Moderation(Map<String, Map<String, Double>> scores, long passes) {}

  private static Moderation moderation(int images, List<String> categories, long kvBytes) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Map<String, Map<String, Double>> scores = new HashMap<>();
    try (ImageEngine engine = new ImageEngine(model, moderationConfig(images, kvBytes), meters)) {
      for (Outcome o : engine.outcomes(moderationRequests(images, categories, engine.modelId()))) {
        Outcome.Scores s = assertInstanceOf(Outcome.Scores.class, o);
        scores.put(s.task().job().request().getEventId(), s.scores());
      }
    }
    return new Moderation(
        scores, meters.find("glimpse.prefill").tag("part", "moderation").timer().count());
  }

  private static WorkerConfig moderationConfig(int batch, long kvBytes) {
    return WorkerConfig.from(
        Map.of(
            "glimpse.bootstrap.servers", "in-process:0",
            "glimpse.worker.max.batch.size", String.valueOf(batch),
            "glimpse.worker.max.wait.ms", "0",
            "glimpse.worker.prepare.threads", "1",
            "glimpse.worker.kv.cache.max.bytes", String.valueOf(kvBytes)));
  }

  private static List<InferenceRequest> moderationRequests(
      int n, List<String> categories, String modelId) {
    List<InferenceRequest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          request(
              i, List.of(new RequestTask(0, new ModerationTask(categories), "m" + i)), modelId));
    }
    return out;
  }

  /** The text greedy decoding gives the whole prompt of {@code question} on image {@code i}. */
  private static String alone(String question, int i) {
    return model
        .generate(
            List.of(
                GenerationRequest.ofPixels(
                    model.encodePrompt(model.questionPrompt(question)),
                    List.of(model.pixelValues(png(i))),
                    GenerationOptions.greedy(6))))
        .get(0)
        .text();
  }

  /** The vision passes of an engine run of {@code images} distinct images, every task answered. */
  private static long visionPasses(int images, int batch, long maxWaitMillis) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (ImageEngine engine = new ImageEngine(model, config(batch, maxWaitMillis), meters)) {
      assertEquals(0, engine.run(requests(images, engine.modelId())), "failed tasks");
    }
    return meters.find("glimpse.vision.encode").timer().count();
  }

  private static WorkerConfig config(int batch, long maxWaitMillis) {
    return WorkerConfig.from(
        Map.of(
            "glimpse.bootstrap.servers", "in-process:0",
            "glimpse.worker.max.batch.size", String.valueOf(batch),
            "glimpse.worker.max.wait.ms", String.valueOf(maxWaitMillis),
            "glimpse.worker.prepare.threads", "1",
            "glimpse.generate.max.new.tokens.default", "2"));
  }

  /** Distinct images, each with a caption task, as ingest writes them. */
  private static List<InferenceRequest> requests(int n, String modelId) {
    List<InferenceRequest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(request(i, List.of(new RequestTask(0, new CaptionTask(), "k" + i)), modelId));
    }
    return out;
  }

  static InferenceRequest request(int i, List<RequestTask> tasks, String modelId) {
    return InferenceRequest.newBuilder()
        .setRequestId("r" + i)
        .setEventId("e" + i)
        .setClientId("test")
        .setTasks(tasks)
        .setImage(ByteBuffer.wrap(png(i)))
        .setImageSha256("sha-" + i)
        .setImageFormat("png")
        .setModelId(modelId)
        .setEventTimestamp(Instant.EPOCH)
        .setEnqueuedAt(Instant.EPOCH)
        .build();
  }

  static byte[] png(int i) {
    BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
    var g = image.createGraphics();
    g.setColor(new Color(Color.HSBtoRGB(i / 16f, 0.8f, 0.9f)));
    g.fillRect(0, 0, 320, 240);
    g.setColor(Color.WHITE);
    g.fillOval(20 + 10 * i, 40, 80, 80);
    g.dispose();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
