package dev.glimpse.cli;

import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.Topics;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.worker.Worker;
import dev.glimpse.worker.WorkerConfig;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code worker}: serves inference requests from a Kafka cluster until stopped. */
@Command(name = "worker", mixinStandardHelpOptions = true,
    description = "Run a model worker against a Kafka cluster until stopped.")
final class WorkerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka;

  @Mixin ModelOptions modelOptions;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> settings = kafka.settings();
    WorkerConfig config = WorkerConfig.from(settings);
    Topics topics = Topics.from(config.topicsFile().map(Topics::specsFrom).orElseGet(Topics::bundledSpecs),
        Contract.current());
    try (VisionLanguageModel model = modelOptions.load(err); Worker worker = new Worker(config, topics, model)) {
      Thread thread = worker.start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        worker.stop();
        try {
          thread.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
      err.printf("worker running: %s (group %s, batch %d); stop with Ctrl-C%n", topics.requests().name(),
          config.groupId(), config.maxBatchSize());
      err.flush();
      thread.join();
    }
    return 0;
  }
}
