package dev.glimpse.cli;

import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.Topics;
import dev.glimpse.pipeline.EventPublisher;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code produce}: every file of a folder into the input topic, one event each. */
@Command(name = "produce", mixinStandardHelpOptions = true,
    description = "Publish every file of a folder as an image event (caption, plus --question / --moderate).")
final class ProduceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka;

  @Mixin TaskOptions taskOptions;

  @Option(names = "--images", required = true, paramLabel = "DIR", description = "The folder of images.")
  Path images;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (!Files.isDirectory(images)) {
      throw new Errors.UserError("MISSING_IMAGES", images + " is not a folder; --images must name a folder of images");
    }
    Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current());
    List<Path> files = EventPublisher.files(images);
    try (EventPublisher publisher = new EventPublisher(kafka.clientProperties(), topics.images(), "glimpse-produce")) {
      for (Path file : files) {
        publisher.publish(file, taskOptions.tasks());
        out.println("published " + file.getFileName());
      }
      publisher.flush();
    }
    out.printf("published %d events to %s%n", files.size(), topics.images().name());
    out.flush();
    return 0;
  }
}
