package dev.glimpse.cli;

import dev.glimpse.kafka.Topics;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.worker.Worker;
import dev.glimpse.worker.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The pipeline as a deployment runs it, on one machine: the broker and ingest as processes of their
 * own ({@link KafkaSideProcesses}), which outlive it, and a worker in this JVM on the benchmark's
 * model, which it starts and stops.
 */
final class ProcessPipeline implements BenchPipeline {
  private final KafkaSideProcesses kafkaSide;
  private final Worker worker;

  private ProcessPipeline(KafkaSideProcesses kafkaSide, Worker worker) {
    this.kafkaSide = kafkaSide;
    this.worker = worker;
  }

  /** Starts a worker on {@code model} beside {@code kafkaSide}, with ingest's settings. */
  static ProcessPipeline start(
      KafkaSideProcesses kafkaSide, VisionLanguageModel model, MeterRegistry registry) {
    Worker worker =
        new Worker(WorkerConfig.from(kafkaSide.settings()), kafkaSide.topics(), model, registry);
    worker.start();
    return new ProcessPipeline(kafkaSide, worker);
  }

  @Override
  public Map<String, String> clientProperties() {
    return kafkaSide.clientProperties();
  }

  @Override
  public Topics topics() {
    return kafkaSide.topics();
  }

  @Override
  public Optional<Duration> kafkaSideCpu() {
    return Optional.of(kafkaSide.cpu());
  }

  /** The worker (its last transaction ends); the broker and ingest go on. */
  @Override
  public void close() {
    worker.close();
  }
}
