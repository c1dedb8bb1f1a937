package dev.glimpse.cli;

import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.RegistryConfig;
import dev.glimpse.kafka.Topics;
import dev.glimpse.pipeline.EmbeddedPipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The broker ({@code glimpse broker}) and ingest ({@code glimpse ingest}) each in a JVM of its own
 * on the CPU the worker leaves idle, standing in for the machines they run on apart from the
 * worker's. {@code bench-pipeline} starts them once, before its first run, so that every run (with
 * Kafka or without) shares the machine with the same processes, and the Kafka runs' workers ({@link
 * ProcessPipeline}) come and go beside them. Their logs go to a temporary folder that is printed.
 */
final class KafkaSideProcesses implements AutoCloseable {
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
  static final List<String> LAUNCHER = List.of("chrt", "--idle", "0");

  /**
   * C1 only: with C2, their JVMs were still compiling after ten warm-up rounds, which a
   * long-running deployment's have long finished (4.6 CPU-seconds in a measured run of 128 images
   * with C2, 2.0 with C1 only). C1 code is slower, so the Kafka side's CPU figure errs high.
   */
  static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

  private final ChildJvm broker;
  private final ChildJvm ingest;
  private final Map<String, String> settings;
  private final Topics topics;

  private KafkaSideProcesses(
      ChildJvm broker, ChildJvm ingest, Map<String, String> settings, Topics topics) {
    this.broker = broker;
    this.ingest = ingest;
    this.settings = settings;
    this.topics = topics;
  }

  /**
   * Starts the broker, then ingest for {@code modelId}; {@code settings} are glimpse.* keys for
   * ingest and for the workers to come.
   */
  static KafkaSideProcesses start(
      String modelId, Map<String, String> settings, PrintWriter progress) {
    long start = System.nanoTime();
    Path logs = tempDir();
    ChildJvm broker =
        ChildJvm.start("broker", LAUNCHER, JVM_OPTIONS, logs, List.of("broker", "--port", "0"));
    ChildJvm ingest = null;
    try {
      String bootstrap = broker.awaitLine(BROKER_READY, READY_TIMEOUT).group(1);
      Map<String, String> s =
          EmbeddedPipeline.settingsFor(settings, bootstrap, modelId, logs.resolve("streams"));
      List<String> args = new ArrayList<>(List.of("ingest"));
      s.forEach((key, value) -> args.addAll(List.of("-p", key + "=" + value)));
      ingest = ChildJvm.start("ingest", LAUNCHER, JVM_OPTIONS, logs, args);
      ingest.awaitLine(INGEST_READY, READY_TIMEOUT);
      progress.printf(
          "broker at %s and ingest running as processes of their own on idle CPU, logs in %s"
              + " (%.1f s)%n",
          bootstrap, logs, (System.nanoTime() - start) / 1e9);
      progress.flush();
      Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current(RegistryConfig.from(s)));
      return new KafkaSideProcesses(broker, ingest, Map.copyOf(s), topics);
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

  /** The glimpse.* settings ingest runs with, the broker's address among them: a worker's too. */
  Map<String, String> settings() {
    return settings;
  }

  Map<String, String> clientProperties() {
    return Map.of("bootstrap.servers", settings.get("glimpse.bootstrap.servers"));
  }

  Topics topics() {
    return topics;
  }

  /** CPU the broker and ingest have used so far. */
  Duration cpu() {
    return broker.cpu().plus(ingest.cpu());
  }

  /** Ingest first, then the broker it uses. */
  @Override
  public void close() {
    try (ChildJvm last = broker) {
      ingest.close();
    }
  }
}
