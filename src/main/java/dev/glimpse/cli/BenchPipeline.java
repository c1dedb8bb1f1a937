package dev.glimpse.cli;

import dev.glimpse.kafka.Topics;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.pipeline.EmbeddedPipeline;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The broker, ingest and a worker on the benchmark's model, for {@code bench-pipeline}'s run
 * through Kafka: either {@linkplain #inProcess all in this JVM}, or with the broker and ingest as
 * {@linkplain ProcessPipeline processes of their own}, as a deployment runs them.
 */
interface BenchPipeline extends AutoCloseable {

  /** Client properties for the benchmark's producer and its result reader. */
  Map<String, String> clientProperties();

  Topics topics();

  /** CPU the broker and ingest have used so far, where they run as processes of their own. */
  Optional<Duration> kafkaSideCpu();

  @Override
  void close();

  /** Broker, ingest and worker in this JVM, sharing its cores with the model. */
  static BenchPipeline inProcess(
      VisionLanguageModel model,
      Map<String, String> settings,
      PrintWriter progress,
      MeterRegistry registry) {
    EmbeddedPipeline pipeline = EmbeddedPipeline.start(model, settings, progress, registry);
    return new BenchPipeline() {
      @Override
      public Map<String, String> clientProperties() {
        return pipeline.clientProperties();
      }

      @Override
      public Topics topics() {
        return pipeline.ingest().topics();
      }

      @Override
      public Optional<Duration> kafkaSideCpu() {
        return Optional.empty(); // its threads are this JVM's: not told apart from the model's
      }

      @Override
      public void close() {
        pipeline.close();
      }
    };
  }
}
