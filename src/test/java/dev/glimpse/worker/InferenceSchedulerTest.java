package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.model.Fixture;
import dev.glimpse.model.VisionLanguageModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * When the scheduler encodes images that arrive one by one, as a trickle from Kafka brings them
 * (the worker's {@link InferenceScheduler.Arrivals#OPEN}).
 */
class InferenceSchedulerTest {
  private static VisionLanguageModel model;

  /** Batch 2, one preparer thread, no max.wait. */
  private static final WorkerConfig CONFIG = withMaxWait(0);

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
  void imagesThatArriveWhileEveryDecodeRowIsTakenWaitToBeEncodedTogether() {
    // batch 2: image 0's caption and answer take both rows; image 1 comes while they decode and
    // waits, as its own caption and answer would wait for a row anyway, until image 2 fills a group
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (InferenceScheduler scheduler = scheduler(meters)) {
      List<Outcome> outcomes = bothRowsDecodingImageZero(scheduler, meters);
      arrive(scheduler, 1, captionAndQuestion(1));
      outcomes.addAll(scheduler.runOnce());
      assertEquals(1, visionPasses(meters), "image 1 alone beside two decoding rows: not yet");
      arrive(scheduler, 2, captionAndQuestion(2));
      outcomes.addAll(scheduler.runOnce());
      assertEquals(2, visionPasses(meters), "images 1 and 2 fill a group: encoded together");
      runUntil(scheduler, outcomes, 6);
      assertEquals(2, visionPasses(meters), "three images, two passes");
      outcomes.forEach(o -> assertInstanceOf(Outcome.Text.class, o));
    }
  }

  @Test
  void anImageWithOnlyModerationIsEncodedWhileEveryDecodeRowIsTaken() {
    // nothing of it waits for a decode row, so nothing holds it back
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (InferenceScheduler scheduler = scheduler(meters)) {
      List<Outcome> outcomes = bothRowsDecodingImageZero(scheduler, meters);
      arrive(
          scheduler, 1, List.of(new RequestTask(0, new ModerationTask(List.of("weapon")), "m1")));
      outcomes.addAll(scheduler.runOnce());
      assertEquals(2, visionPasses(meters), "the moderation image is encoded at once");
      runUntil(scheduler, outcomes, 3);
      assertTrue(outcomes.stream().anyMatch(o -> o instanceof Outcome.Scores), "scored");
    }
  }

  @Test
  void anImageShortOfABatchFromAStreamWaitsForTheNextOneToBeEncodedWithIt() {
    // nothing else is in preparation, but a stream may bring more: a burst from Kafka comes in
    // chunks, one per ingest transaction
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (InferenceScheduler scheduler = scheduler(withMaxWait(60_000), meters)) {
      List<Outcome> outcomes = new ArrayList<>();
      arrive(scheduler, 0, captionAndQuestion(0));
      outcomes.addAll(scheduler.runOnce());
      assertEquals(0, visionPasses(meters), "image 0 alone, within max.wait: not yet");
      assertTrue(scheduler.millisUntilWorkIsDue(System.currentTimeMillis()) > 0, "nothing due");
      arrive(scheduler, 1, captionAndQuestion(1));
      outcomes.addAll(scheduler.runOnce());
      assertEquals(1, visionPasses(meters), "images 0 and 1 fill a group: encoded together");
      runUntil(scheduler, outcomes, 4);
      assertEquals(1, visionPasses(meters), "two images, one pass");
    }
  }

  @Test
  void anImageShortOfABatchFromAStreamIsEncodedAloneOnceMaxWaitHasPassed()
      throws InterruptedException {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (InferenceScheduler scheduler = scheduler(withMaxWait(100), meters)) {
      List<Outcome> outcomes = new ArrayList<>();
      arrive(scheduler, 0, captionAndQuestion(0));
      long prepared = System.nanoTime();
      while (visionPasses(meters) == 0) {
        long due = scheduler.millisUntilWorkIsDue(System.currentTimeMillis());
        Thread.sleep(Math.min(due, 10));
        outcomes.addAll(scheduler.runOnce());
      }
      assertTrue(
          System.nanoTime() - prepared >= 90_000_000L, "encoded only after max.wait (100 ms)");
      runUntil(scheduler, outcomes, 2);
      outcomes.forEach(o -> assertInstanceOf(Outcome.Text.class, o));
    }
  }

  private static InferenceScheduler scheduler(SimpleMeterRegistry meters) {
    return scheduler(CONFIG, meters);
  }

  private static InferenceScheduler scheduler(WorkerConfig config, SimpleMeterRegistry meters) {
    return new InferenceScheduler(
        model,
        model.modelId(),
        config,
        InferenceScheduler.Arrivals.OPEN,
        new WorkerMetrics(meters));
  }

  /** Batch 2, one preparer thread, 12 new tokens, max.wait {@code millis}. */
  private static WorkerConfig withMaxWait(long millis) {
    return WorkerConfig.from(
        Map.of(
            "glimpse.bootstrap.servers", "in-process:0",
            "glimpse.worker.max.batch.size", "2",
            "glimpse.worker.max.wait.ms", String.valueOf(millis),
            "glimpse.worker.prepare.threads", "1",
            "glimpse.generate.max.new.tokens.default", "12"));
  }

  /** Image 0's caption and answer, in both rows of the batch after its first decode step. */
  private static List<Outcome> bothRowsDecodingImageZero(
      InferenceScheduler scheduler, SimpleMeterRegistry meters) {
    List<Outcome> outcomes = new ArrayList<>();
    arrive(scheduler, 0, captionAndQuestion(0));
    while (decodeSteps(meters) == 0) {
      outcomes.addAll(scheduler.runOnce());
    }
    return outcomes;
  }

  private static List<RequestTask> captionAndQuestion(int i) {
    return List.of(
        new RequestTask(0, new CaptionTask(), "c" + i),
        new RequestTask(1, new QuestionTask("what is in the picture?"), "q" + i));
  }

  /** Submits image {@code i} with {@code tasks} and waits until it is prepared. */
  private static void arrive(InferenceScheduler scheduler, int i, List<RequestTask> tasks) {
    InferenceRequest request = ImageEngineTest.request(i, tasks, model.modelId());
    Job job = ImageEngine.jobOf(request, i, CONFIG, model.modelId());
    scheduler.submit(job);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (scheduler.inPreparation() > 0) {
      assertTrue(System.nanoTime() < deadline, "image " + i + " was not prepared in 30 s");
      Thread.onSpinWait();
    }
  }

  private static void runUntil(InferenceScheduler scheduler, List<Outcome> outcomes, int count) {
    while (outcomes.size() < count) {
      outcomes.addAll(scheduler.runOnce());
    }
  }

  private static long decodeSteps(SimpleMeterRegistry meters) {
    return meters.find("glimpse.decode.step").timer().count();
  }

  private static long visionPasses(SimpleMeterRegistry meters) {
    return meters.find("glimpse.vision.encode").timer().count();
  }
}
