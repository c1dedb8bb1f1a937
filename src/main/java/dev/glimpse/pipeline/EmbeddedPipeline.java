package dev.glimpse.pipeline;

import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.stream.Ingest;
import dev.glimpse.stream.IngestConfig;
import dev.glimpse.worker.Worker;
import dev.glimpse.worker.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole pipeline in one JVM: a real KRaft broker from the Maven Central jars, ingest (Kafka
 * Streams) and a worker on the given model. What {@code demo} and the pipeline benchmark run.
 */
public final class EmbeddedPipeline implements AutoCloseable {
  private final EmbeddedKafkaBroker broker;
  private final Ingest ingest;
  private final Worker worker;

  private EmbeddedPipeline(EmbeddedKafkaBroker broker, Ingest ingest, Worker worker) {
    this.broker = broker;
    this.ingest = ingest;
    this.worker = worker;
  }

  /**
   * Starts broker, ingest and worker. {@code settings} are the glimpse.* keys of {@link
   * IngestConfig} and {@link WorkerConfig}; the bootstrap servers are the broker's.
   */
  public static EmbeddedPipeline start(
      VisionLanguageModel model, Map<String, String> settings, PrintWriter progress) {
    return start(model, settings, progress, new SimpleMeterRegistry());
  }

  /**
   * The same, with ingest's and the worker's meters (and their Kafka clients') in {@code registry}.
   */
  public static EmbeddedPipeline start(
      VisionLanguageModel model,
      Map<String, String> settings,
      PrintWriter progress,
      MeterRegistry registry) {
    long start = System.nanoTime();
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
    progress.printf(
        "broker ready at %s (%.1f s)%n",
        broker.bootstrapServers(), (System.nanoTime() - start) / 1e9);
    progress.flush();
    Ingest ingest = null;
    try {
      Map<String, String> s =
          settingsFor(
              settings,
              broker.bootstrapServers(),
              model.modelId(),
              Files.createTempDirectory("glimpse-streams"));
      ingest = Ingest.start(IngestConfig.from(s), registry);
      Worker worker = new Worker(WorkerConfig.from(s), ingest.topics(), model, registry);
      worker.start();
      progress.printf("ingest and worker running (%.1f s)%n", (System.nanoTime() - start) / 1e9);
      progress.flush();
      return new EmbeddedPipeline(broker, ingest, worker);
    } catch (Exception e) {
      if (ingest != null) {
        ingest.close();
      }
      broker.close();
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  /**
   * {@code settings} with what a pipeline's ingest and workers share: the broker's address, and
   * unless the settings choose them, the model id (the one the model derives, so that ingest's
   * cache key and the workers' results name the same model) and ingest's state folder.
   */
  public static Map<String, String> settingsFor(
      Map<String, String> settings, String bootstrapServers, String modelId, Path stateDir) {
    Map<String, String> s = new LinkedHashMap<>(settings);
    s.put("glimpse.bootstrap.servers", bootstrapServers);
    s.putIfAbsent("glimpse.model.id", modelId);
    s.putIfAbsent("glimpse.ingest.state.dir", stateDir.toString());
    return s;
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  public Ingest ingest() {
    return ingest;
  }

  public Worker worker() {
    return worker;
  }

  /** Client properties for producers and consumers of this pipeline. */
  public Map<String, String> clientProperties() {
    return Map.of("bootstrap.servers", broker.bootstrapServers());
  }

  /**
   * Stops the worker and ingest, each waiting until its Kafka clients are closed, and only then the
   * broker: a client still running when its broker goes reconnects to nothing for as long as the
   * JVM lives. The broker closes even when a client's close fails.
   */
  @Override
  public void close() {
    try (EmbeddedKafkaBroker last = broker;
        Ingest second = ingest) {
      worker.close();
    }
  }

  /** A folder for files the demo writes. */
  public static Path outputDir(String name) throws IOException {
    return Files.createDirectories(Path.of("target", name));
  }
}
