package dev.glimpse.cli;

import dev.glimpse.stream.Ingest;
import dev.glimpse.stream.IngestConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ingest}: the Kafka Streams application, against any cluster, until stopped. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Run ingest (validate, hash, cache, fan out) against a Kafka cluster until stopped.")
final class IngestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    IngestConfig config = IngestConfig.from(kafka.settings());
    CountDownLatch stopped = new CountDownLatch(1);
    try (Ingest ingest = Ingest.start(config)) {
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
      err.printf("ingest running: %s -> %s (model %s); stop with Ctrl-C%n", ingest.topics().images().name(),
          ingest.topics().requests().name(), config.modelId());
      err.flush();
      stopped.await();
    }
    return 0;
  }
}
