package dev.glimpse.cli;

import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.RegistryConfig;
import dev.glimpse.kafka.Topics;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.worker.Worker;
import dev.glimpse.worker.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The pipeline as a deployment runs it, on one machine: the broker ({@code glimpse broker}) and
 * ingest ({@code glimpse ingest}) each in a JVM of its own on the CPU the worker leaves idle,
 * standing in for the machines they run on apart from the worker's, and the worker in this JVM on
 * the benchmark's model. Their logs go to a temporary folder that is printed.
 */
final class ProcessPipeline implements BenchPipeline {
  private static final Pattern BROKER_READY = Pattern.compile("broker ready at (\\S+)");
  private static final Pattern INGEST_READY = Pattern.compile("ingest running: ");
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

  /**
   * The broker and ingest run under Linux's idle scheduling class: they get the CPU the worker
   * leaves (between its model steps, in the fill and the drain) and never preempt the model's
   * threads, which wait for each other at every operation, so that a preempted one stalls both. At
   * nice 10 they still did: a decode step took 23.6 ms through Kafka against 20.4 ms in the engine
   * run (mixed, 64 images, 2 cores). They get that CPU because the model's threads sleep soon after
   * each step ({@link dev.glimpse.model.OpenMpSpin}); with libgomp's default spin they starved, and
   * a commit took 1.8 s.
   */
  static final List<String> KAFKA_SIDE_LAUNCHER = List.of("chrt", "--idle", "0");

  /**
   * C1 only: with C2, their JVMs were still compiling after ten warm-up rounds, which a
   * long-running deployment's have long finished (4.6 CPU-seconds in a measured run of 128 images
   * with C2, 2.0 with C1 only). C1 code is slower, so the Kafka side's CPU figure errs high.
   */
  static final List<String> KAFKA_SIDE_JVM = List.of("-XX:TieredStopAtLevel=1");

  private final ChildJvm broker;
  private final ChildJvm ingest;
  private final Worker worker;
  private final Topics topics;
  private final String bootstrap;

  private ProcessPipeline(
      ChildJvm broker, ChildJvm ingest, Worker worker, Topics topics, String bootstrap) {
    this.broker = broker;
    this.ingest = ingest;
    this.worker = worker;
    this.topics = topics;
    this.bootstrap = bootstrap;
  }

  /**
   * Starts the broker and ingest (on idle CPU, C1 only: see {@link #KAFKA_SIDE_LAUNCHER}) and a
   * worker on {@code model}; {@code settings} are glimpse.* keys for both.
   */
  static ProcessPipeline start(
      VisionLanguageModel model,
      Map<String, String> settings,
      PrintWriter progress,
      MeterRegistry registry) {
    long start = System.nanoTime();
    Path logs = tempDir();
    ChildJvm broker =
        ChildJvm.start(
            "broker", KAFKA_SIDE_LAUNCHER, KAFKA_SIDE_JVM, logs, List.of("broker", "--port", "0"));
    ChildJvm ingest = null;
    try {
      String bootstrap = broker.awaitLine(BROKER_READY, READY_TIMEOUT).group(1);
      Map<String, String> s = new LinkedHashMap<>(settings);
      s.put("glimpse.bootstrap.servers", bootstrap);
      s.putIfAbsent("glimpse.model.id", model.modelId());
      s.putIfAbsent("glimpse.ingest.state.dir", logs.resolve("streams").toString());
      List<String> args = new ArrayList<>(List.of("ingest"));
      s.forEach((key, value) -> args.addAll(List.of("-p", key + "=" + value)));
      ingest = ChildJvm.start("ingest", KAFKA_SIDE_LAUNCHER, KAFKA_SIDE_JVM, logs, args);
      ingest.awaitLine(INGEST_READY, READY_TIMEOUT);
      progress.printf(
          "broker at %s and ingest running as processes of their own on idle CPU, logs in %s"
              + " (%.1f s)%n",
          bootstrap, logs, (System.nanoTime() - start) / 1e9);
      progress.flush();
      Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current(RegistryConfig.from(s)));
      Worker worker = new Worker(WorkerConfig.from(s), topics, model, registry);
      worker.start();
      return new ProcessPipeline(broker, ingest, worker, topics, bootstrap);
    } catch (RuntimeException e) {
      if (ingest != null) {
        ingest.close();
      }
      broker.close();
      throw e;
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("glimpse-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Map<String, String> clientProperties() {
    return Map.of("bootstrap.servers", bootstrap);
  }

  @Override
  public Topics topics() {
    return topics;
  }

  @Override
  public Optional<Duration> kafkaSideCpu() {
    return Optional.of(broker.cpu().plus(ingest.cpu()));
  }

  /** The worker first (its last transaction ends), then ingest, then the broker they both use. */
  @Override
  public void close() {
    try (ChildJvm last = broker;
        ChildJvm second = ingest) {
      worker.close();
    }
  }
}
