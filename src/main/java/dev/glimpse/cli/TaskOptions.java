package dev.glimpse.cli;

import dev.glimpse.pipeline.EventPublisher;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** What each published image asks for: a caption always; a question and moderation on request. */
final class TaskOptions {

  String question;

  @Option(
      names = "--question",
      paramLabel = "TEXT",
      description = "Also ask this question about every image.")
  void question(String text) {
    question = QuestionOption.require(text);
  }

  @Option(
      names = "--moderate",
      description = "Also score every image against the moderation categories.")
  boolean moderate;

  @Option(
      names = "--category",
      paramLabel = "NAME",
      description = "A moderation category (repeatable; default: the worker's list).")
  List<String> categories = new ArrayList<>();

  @Option(
      names = "--max-new-tokens",
      paramLabel = "N",
      description = "Most tokens per caption or answer.")
  Integer maxNewTokens;

  EventPublisher.Tasks tasks() {
    return new EventPublisher.Tasks(true, question, moderate, categories, maxNewTokens);
  }
}
