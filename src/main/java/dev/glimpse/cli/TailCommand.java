package dev.glimpse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.RegistryConfig;
import dev.glimpse.kafka.Topics;
import dev.glimpse.pipeline.ResultTail;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tail}: prints a result topic (read committed), one line per result. */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description =
        "Print results as they arrive: captions, answers, moderation verdicts, dead letters.")
final class TailCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--topic",
      defaultValue = "caption,answer,moderation,dead_letter",
      split = ",",
      paramLabel = "KIND",
      description = "caption, answer, moderation, dead_letter (default: all).")
  List<String> kinds;

  @Option(names = "--from-beginning", description = "Also print what the topics already hold.")
  boolean fromBeginning;

  @Option(
      names = "--max",
      defaultValue = "-1",
      description = "Stop after this many results (-1: never).")
  int max;

  @Option(
      names = "--timeout",
      defaultValue = "-1",
      paramLabel = "SECONDS",
      description = "Stop after this many seconds without a result (-1: never).")
  int timeoutSeconds;

  @Option(names = "--json", description = "One JSON object per result (the Avro record's fields).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Topics topics =
        Topics.from(Topics.bundledSpecs(), Contract.current(RegistryConfig.from(kafka.settings())));
    ObjectMapper mapper = new ObjectMapper();
    requireKnownKinds();
    // a consumer polls an absent broker forever without a word: ask first
    kafka.awaitBroker();
    int printed = 0;
    long lastResult = System.nanoTime();
    try (ResultTail tail = new ResultTail(kafka.clientProperties(), topics, kinds, fromBeginning)) {
      while (max < 0 || printed < max) {
        for (ResultTail.Result r : tail.poll(Duration.ofMillis(200))) {
          if (max >= 0 && printed >= max) {
            break; // one poll can bring many results: --max counts lines, not polls
          }
          out.println(json ? toJson(mapper, r) : r.describe());
          out.flush();
          printed++;
          lastResult = System.nanoTime();
        }
        if (timeoutSeconds >= 0
            && System.nanoTime() - lastResult > timeoutSeconds * 1_000_000_000L) {
          break;
        }
      }
    }
    return 0;
  }

  /**
   * Names an unknown --topic before anything connects, instead of a stack trace from the consumer.
   */
  private void requireKnownKinds() {
    for (String kind : kinds) {
      if (!ResultTail.allKinds().contains(kind)) {
        throw new Errors.UserError(
            "UNKNOWN_RESULT_KIND",
            "--topic "
                + kind
                + " is not a result kind; use "
                + String.join(", ", ResultTail.allKinds())
                + " (comma-separated, default: all)");
      }
    }
  }

  private static String toJson(ObjectMapper mapper, ResultTail.Result r) throws IOException {
    if (r.record() == null) {
      var node = mapper.createObjectNode();
      node.put("key", r.eventId());
      node.put("undecodable", r.text());
      return mapper.writeValueAsString(node);
    }
    return mapper.writeValueAsString(mapper.readTree(r.record().toString()));
  }
}
