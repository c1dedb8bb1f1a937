package dev.glimpse.cli;

import dev.glimpse.ops.Health;
import dev.glimpse.ops.Metrics;
import dev.glimpse.stream.Ingest;
import dev.glimpse.stream.IngestConfig;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ingest}: the Kafka Streams application, against any cluster, until stopped. Exits 0 after
 * a stop signal once Streams closed cleanly, non-zero when Streams went to ERROR or the cluster
 * never answered: a supervisor restarts it on those.
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description =
        "Run ingest (validate, hash, cache, fan out) against a Kafka cluster until stopped.")
final class IngestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka;

  @Mixin HttpOptions http;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    IngestConfig config = Errors.settings(() -> IngestConfig.from(kafka.settings()));
    AtomicReference<Ingest> started = new AtomicReference<>();
    Health health =
        new Health()
            .check(
                "streams",
                () -> {
                  Ingest ingest = started.get();
                  return ingest == null
                      ? Health.Status.down("waiting for the cluster")
                      : ingest.readiness();
                });
    try (Metrics metrics = new Metrics();
        HttpOptions.Served served = http.start(metrics, health, err)) {
      kafka.awaitBroker();
      return run(config, metrics, started, err);
    }
  }

  private Integer run(
      IngestConfig config, Metrics metrics, AtomicReference<Ingest> started, PrintWriter err)
      throws InterruptedException {
    try (Ingest ingest = Ingest.start(config, metrics.registry());
        StopSignal stop = StopSignal.install("ingest", err, ingest::close)) {
      started.set(ingest);
      err.printf(
          "ingest running: %s -> %s (model %s); stop with Ctrl-C%n",
          ingest.topics().images().name(), ingest.topics().requests().name(), config.modelId());
      err.flush();
      Optional<Throwable> failure = ingest.awaitStop();
      if (failure.isPresent()) {
        throw new Errors.Fatal(
            "INGEST_FAILED",
            "Kafka Streams stopped on "
                + failure.get()
                + "; the process exits so that its supervisor restarts it; if it fails again at the"
                + " same offset, report it with the log",
            failure.get());
      }
    }
    return 0;
  }
}
