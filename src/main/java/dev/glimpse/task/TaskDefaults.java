package dev.glimpse.task;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a task means when the event leaves it open: the question a caption asks, the categories a
 * moderation task scores, how many tokens an answer may have, and the probability that flags a
 * category. Ingest (for the cache key) and the worker (for the prompt) read the same settings, so
 * an event asks the same of both.
 *
 * @param captionQuestion {@code glimpse.caption.question}: asked through the chat template
 * @param moderationCategories {@code glimpse.moderation.categories}: scored when a task names none
 * @param maxNewTokens {@code glimpse.generate.max.new.tokens.default}: when an event names none
 * @param flagThreshold {@code glimpse.moderation.flag.threshold}: a category at or above it flags
 */
public record TaskDefaults(
    String captionQuestion, List<String> moderationCategories, int maxNewTokens, double flagThreshold) {

  public TaskDefaults {
    moderationCategories = List.copyOf(moderationCategories);
    if (captionQuestion == null || captionQuestion.isBlank()) {
      throw new IllegalArgumentException("glimpse.caption.question must not be empty");
    }
    if (moderationCategories.isEmpty()) {
      throw new IllegalArgumentException("glimpse.moderation.categories must name at least one category");
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("glimpse.generate.max.new.tokens.default must be at least 1");
    }
    if (!(flagThreshold >= 0 && flagThreshold <= 1)) {
      throw new IllegalArgumentException("glimpse.moderation.flag.threshold must be in [0, 1], got " + flagThreshold);
    }
  }

  /** Reads the settings; missing keys take the built-in model's defaults. */
  public static TaskDefaults from(Map<String, String> s) {
    return new TaskDefaults(
        s.getOrDefault("glimpse.caption.question", "describe the image"),
        Arrays.stream(s.getOrDefault("glimpse.moderation.categories", "warning_sign,hazard").split(","))
            .map(String::strip).filter(c -> !c.isEmpty()).toList(),
        Integer.parseInt(s.getOrDefault("glimpse.generate.max.new.tokens.default", "32")),
        Double.parseDouble(s.getOrDefault("glimpse.moderation.flag.threshold", "0.5")));
  }
}
