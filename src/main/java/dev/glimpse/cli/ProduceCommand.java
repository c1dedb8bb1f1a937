package dev.glimpse.cli;

import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.Topics;
import dev.glimpse.pipeline.EventPublisher;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code produce}: every file of a folder into the input topic, one event each, its bytes inline
 * or, with {@code --by-reference}, its {@code file:} URI. A file counts as published only when the
 * broker acknowledged it; each one that was not is named with why, and the command then exits
 * non-zero.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description =
        "Publish every file of a folder as an image event (caption, plus --question / --moderate).")
final class ProduceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka;

  @Mixin TaskOptions taskOptions;

  @Option(
      names = "--images",
      required = true,
      paramLabel = "DIR",
      description = "The folder of images.")
  Path images;

  @Option(
      names = "--by-reference",
      description =
          "Publish each file's file: URI (its absolute path) instead of its"
              + " bytes, for an ingest that reads the same volume: its glimpse.image.file.root must hold the folder.")
  boolean byReference;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isDirectory(images)) {
      throw new Errors.UserError(
          "MISSING_IMAGES", images + " is not a folder; --images must name a folder of images");
    }
    Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current());
    List<Path> files = ImageFolder.files(images, err);
    kafka.awaitBroker();
    int failed = 0;
    try (EventPublisher publisher =
        new EventPublisher(kafka.clientProperties(), topics.images(), "glimpse-produce")) {
      List<EventPublisher.Published> sent = new ArrayList<>();
      for (Path file : files) {
        try {
          sent.add(
              byReference
                  ? publisher.publishReference(file, taskOptions.tasks())
                  : publisher.publish(file, taskOptions.tasks()));
        } catch (UncheckedIOException e) {
          err.println(
              "glimpse: NOT_PUBLISHED: "
                  + file.getFileName()
                  + ": cannot read it ("
                  + e.getCause().getMessage()
                  + ")");
          failed++;
        }
      }
      publisher.flush();
      for (EventPublisher.Published p : sent) {
        try {
          p.delivery().join();
          out.println("published " + p.file().getFileName());
        } catch (CompletionException e) {
          err.println(
              "glimpse: NOT_PUBLISHED: "
                  + p.file().getFileName()
                  + " ("
                  + size(p.file())
                  + "): "
                  + e.getCause());
          failed++;
        }
      }
    }
    out.flush();
    err.flush();
    if (failed > 0) {
      throw new Errors.Fatal(
          "PUBLISH_FAILED",
          failed
              + " of "
              + files.size()
              + " files were not published to "
              + topics.images().name()
              + " (named above); fix them or the cluster and run produce again",
          null);
    }
    out.printf("published %d events to %s%n", files.size(), topics.images().name());
    out.flush();
    return 0;
  }

  private static String size(Path file) {
    try {
      return Files.size(file) + " bytes";
    } catch (IOException e) {
      return "size unknown";
    }
  }
}
