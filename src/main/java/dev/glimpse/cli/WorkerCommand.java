package dev.glimpse.cli;

import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.RegistryConfig;
import dev.glimpse.kafka.Topics;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.ops.Health;
import dev.glimpse.ops.Metrics;
import dev.glimpse.worker.Worker;
import dev.glimpse.worker.WorkerConfig;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code worker}: serves inference requests from a Kafka cluster until stopped. Exits 0 after a
 * stop signal once the worker loop ended (its transaction committed or aborted, its group left),
 * non-zero when the loop died (fenced, cluster gone) or the cluster never answered.
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = "Run a model worker against a Kafka cluster until stopped.")
final class WorkerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka;

  @Mixin ModelOptions modelOptions;

  @Mixin HttpOptions http;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> settings = kafka.settings();
    WorkerConfig config = Errors.settings(() -> WorkerConfig.from(settings));
    Topics topics =
        Topics.from(
            config.topicsFile().map(Topics::specsFrom).orElseGet(Topics::bundledSpecs),
            Contract.current(RegistryConfig.from(settings)));
    AtomicReference<Worker> started = new AtomicReference<>();
    Health health =
        new Health()
            .check(
                "model",
                () ->
                    started.get() == null
                        ? Health.Status.down("loading the model")
                        : Health.Status.up("serving " + started.get().modelId()))
            .check(
                "worker",
                () ->
                    started.get() == null
                        ? Health.Status.down("not started")
                        : started.get().readiness());
    try (Metrics metrics = new Metrics();
        HttpOptions.Served served = http.start(metrics, health, err)) {
      kafka.awaitBroker();
      return serve(config, topics, metrics, started, err);
    }
  }

  private Integer serve(
      WorkerConfig config,
      Topics topics,
      Metrics metrics,
      AtomicReference<Worker> started,
      PrintWriter err)
      throws InterruptedException {
    try (VisionLanguageModel model = modelOptions.load(err);
        Worker worker = new Worker(config, topics, model, metrics.registry())) {
      started.set(worker);
      AtomicReference<Throwable> died = new AtomicReference<>();
      // our own thread rather than worker.start(): what ends the loop must reach the exit code
      Thread thread =
          new Thread(
              () -> {
                try {
                  worker.run();
                } catch (RuntimeException | Error e) {
                  died.set(e);
                }
              },
              "glimpse-worker");
      thread.setDaemon(true);
      thread.start();
      try (StopSignal stop =
          StopSignal.install(
              "worker",
              err,
              within -> {
                worker.stop();
                thread.join(within.toMillis());
                return !thread.isAlive() && died.get() == null && worker.failure().isEmpty();
              })) {
        err.printf(
            "worker running: %s (group %s, batch %d), serving model id %s (run ingest with the same"
                + " glimpse.model.id); stop with Ctrl-C%n",
            topics.requests().name(), config.groupId(), config.maxBatchSize(), worker.modelId());
        err.flush();
        thread.join();
      }
      // a fenced or denied worker ends its loop without throwing: it reports why
      Throwable cause = died.get() != null ? died.get() : worker.failure().orElse(null);
      if (cause != null) {
        throw new Errors.Fatal(
            "WORKER_FAILED",
            "the worker loop stopped on "
                + cause
                + "; the process exits so that its supervisor restarts it (a fenced worker needs its"
                + " own glimpse.worker.transactional.id)",
            cause);
      }
    }
    return 0;
  }
}
