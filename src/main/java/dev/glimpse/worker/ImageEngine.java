package dev.glimpse.worker;

import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.model.VisionLanguageModel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * The worker's image-level path without Kafka: requests handed straight to the scheduler the worker
 * runs (prepare pool, one encode per image, shared prefix, continuous batch), until every task has
 * its outcome. What {@code bench-pipeline} measures the pipeline against.
 */
public final class ImageEngine implements AutoCloseable {
  private static final TopicPartition NO_PARTITION = new TopicPartition("in-process", 0);

  private final InferenceScheduler scheduler;
  private final String modelId;
  private final WorkerConfig config;

  public ImageEngine(VisionLanguageModel model, WorkerConfig config) {
    this(model, config, new SimpleMeterRegistry());
  }

  /** The same, with the scheduler's meters (stage timers, batch rows) in {@code registry}. */
  public ImageEngine(VisionLanguageModel model, WorkerConfig config, MeterRegistry registry) {
    this.modelId = config.modelId().orElse(model.modelId());
    this.config = config;
    this.scheduler =
        new InferenceScheduler(
            model,
            modelId,
            config,
            InferenceScheduler.Arrivals.ALL_IN_HAND,
            new WorkerMetrics(registry));
  }

  /** Serves every request; returns how many tasks failed. */
  public int run(List<InferenceRequest> requests) {
    return (int) outcomes(requests).stream().filter(o -> o instanceof Outcome.Failed).count();
  }

  /** Serves every request; returns every task's outcome, in the order they came. */
  List<Outcome> outcomes(List<InferenceRequest> requests) {
    Map<Job, Integer> remaining = new IdentityHashMap<>();
    long offset = 0;
    for (InferenceRequest request : requests) {
      Job job = jobOf(request, offset++, config, modelId);
      remaining.put(job, job.tasks().size());
      scheduler.submit(job);
    }
    List<Outcome> outcomes = new ArrayList<>();
    while (!remaining.isEmpty()) {
      long wait = scheduler.millisUntilWorkIsDue(System.currentTimeMillis());
      if (wait > 0) {
        sleep(Math.min(wait, 5));
      }
      for (Outcome outcome : scheduler.runOnce()) {
        outcomes.add(outcome);
        remaining.computeIfPresent(outcome.task().job(), (job, n) -> n == 1 ? null : n - 1);
      }
    }
    return outcomes;
  }

  /** The job of a request served without Kafka, at {@code offset}, its tasks resolved. */
  static Job jobOf(InferenceRequest request, long offset, WorkerConfig config, String modelId) {
    Job job =
        new Job(
            NO_PARTITION, offset, request.getImageSha256(), new byte[0], request, new Header[0]);
    job.setTasks(job.resolveTasks(config.taskDefaults(), modelId));
    return job;
  }

  /** The model id requests must carry. */
  public String modelId() {
    return modelId;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    scheduler.close();
  }
}
