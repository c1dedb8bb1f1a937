package dev.glimpse.task;

import dev.glimpse.kafka.Settings;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a task means when the event leaves it open: the question a caption asks, the categories a
 * moderation task scores, how many tokens an answer may have, and the probability that flags each
 * category. Ingest (for the cache key) and the worker (for the prompt) read the same settings, so
 * an event asks the same of both.
 *
 * @param captionQuestion {@code glimpse.caption.question}: asked through the chat template
 * @param moderationCategories {@code glimpse.moderation.categories}: scored when a task names none
 * @param maxNewTokens {@code glimpse.generate.max.new.tokens.default}: when an event names none
 * @param flagThreshold {@code glimpse.moderation.flag.threshold}: a category at or above its
 *     threshold is flagged; this one holds for every category without a threshold of its own
 * @param categoryThresholds {@code glimpse.moderation.flag.threshold.<category>}: a category's own
 *     threshold, keyed by {@link #normalized} category name
 */
public record TaskDefaults(
    String captionQuestion,
    List<String> moderationCategories,
    int maxNewTokens,
    double flagThreshold,
    Map<String, Double> categoryThresholds) {
  private static final String THRESHOLD = "glimpse.moderation.flag.threshold";

  public TaskDefaults {
    moderationCategories = List.copyOf(moderationCategories);
    categoryThresholds = Map.copyOf(categoryThresholds);
    if (captionQuestion == null || captionQuestion.isBlank()) {
      throw new IllegalArgumentException("glimpse.caption.question must not be empty");
    }
    if (moderationCategories.isEmpty()) {
      throw new IllegalArgumentException(
          "glimpse.moderation.categories must name at least one category");
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException(
          "glimpse.generate.max.new.tokens.default must be at least 1");
    }
    checkThreshold(THRESHOLD, flagThreshold);
    categoryThresholds.forEach((c, t) -> checkThreshold(THRESHOLD + "." + c, t));
  }

  /** One threshold for every category. */
  public TaskDefaults(
      String captionQuestion,
      List<String> moderationCategories,
      int maxNewTokens,
      double flagThreshold) {
    this(captionQuestion, moderationCategories, maxNewTokens, flagThreshold, Map.of());
  }

  /** Reads the settings; missing keys take the built-in model's defaults. */
  public static TaskDefaults from(Map<String, String> s) {
    Map<String, Double> own = new TreeMap<>();
    s.forEach(
        (key, value) -> {
          if (key.startsWith(THRESHOLD + ".") && key.length() > THRESHOLD.length() + 1) {
            own.put(normalized(key.substring(THRESHOLD.length() + 1)), parse(key, value));
          }
        });
    return new TaskDefaults(
        s.getOrDefault("glimpse.caption.question", "describe the image"),
        Arrays.stream(
                s.getOrDefault("glimpse.moderation.categories", "warning_sign,hazard").split(","))
            .map(String::strip)
            .filter(c -> !c.isEmpty())
            .toList(),
        Settings.integer(s, "glimpse.generate.max.new.tokens.default", "32"),
        parse(THRESHOLD, s.getOrDefault(THRESHOLD, "0.5")),
        own);
  }

  /** The probability at or above which this category is flagged. */
  public double thresholdOf(String category) {
    return categoryThresholds.getOrDefault(normalized(category), flagThreshold);
  }

  /**
   * A category as its threshold setting names it: lower case, with '-', '.' and '_' alike, as the
   * question it asks does not tell them apart ({@link ResolvedTask.Moderation#question}), and an
   * environment variable ({@code GLIMPSE_MODERATION_FLAG_THRESHOLD_WARNING_SIGN}) can only spell it
   * with dots.
   */
  public static String normalized(String category) {
    return category.strip().toLowerCase(Locale.ROOT).replace('-', '_').replace('.', '_');
  }

  private static double parse(String key, String value) {
    try {
      return Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          key + " is '" + value + "': set it to a probability in [0, 1]");
    }
  }

  private static void checkThreshold(String key, double threshold) {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException(key + " must be in [0, 1], got " + threshold);
    }
  }
}
