package dev.glimpse.cli;

import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.Topics;
import dev.glimpse.ops.view.StandaloneView;
import dev.glimpse.ops.view.ViewException;
import dev.glimpse.ops.view.ViewSettings;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code view}: the live web view of any cluster's stream, until stopped. */
@Command(
    name = "view",
    mixinStandardHelpOptions = true,
    description =
        "Serve a live web page of the stream: each event's image, caption, answers, moderation and dead letters.")
final class ViewCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--http-port",
      defaultValue = "8088",
      paramLabel = "N",
      description = "Port of the page (default: ${DEFAULT-VALUE}; 0: any free port).")
  int httpPort;

  @Option(
      names = "--http-host",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDRESS",
      description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
  String httpHost;

  @Option(
      names = "--from-beginning",
      description =
          "Also show what the topics already hold (the newest "
              + "glimpse.view.max.cards events stay).")
  boolean fromBeginning;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ViewSettings settings = ViewSettings.from(kafka.settings());
    Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current());
    // consumers poll an absent broker forever without a word: ask first
    kafka.awaitBroker();
    try (StandaloneView view =
            StandaloneView.start(
                kafka.clientProperties(),
                topics,
                settings,
                httpHost,
                httpPort,
                fromBeginning,
                "--http-port");
        StopSignal stop =
            StopSignal.install(
                "view",
                err,
                within -> {
                  view.close();
                  return true;
                })) {
      out.println("live view at " + view.url() + " (Ctrl-C stops it)");
      out.flush();
      try {
        view.feed().stopped().get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof ViewException v ? v : new IllegalStateException(e.getCause());
      }
    }
    return 0;
  }
}
