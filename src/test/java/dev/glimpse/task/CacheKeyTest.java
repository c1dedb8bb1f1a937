package dev.glimpse.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.GenerationOptions;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheKeyTest {
  private static final TaskDefaults DEFAULTS = TaskDefaults.from(Map.of());

  private static String key(Object task, GenerationOptions options, TaskDefaults defaults) {
    return CacheKey.of("sha", ResolvedTask.of(task, options, defaults), "model");
  }

  @Test
  void aCaptionKeyChangesWithTheConfiguredCaptionQuestion() {
    TaskDefaults other = TaskDefaults.from(Map.of("glimpse.caption.question", "what is this"));
    assertNotEquals(key(new CaptionTask(), null, DEFAULTS), key(new CaptionTask(), null, other));
  }

  @Test
  void theDefaultMaxNewTokensAreTheSameAnswerAsAskingForThem() {
    GenerationOptions explicit =
        GenerationOptions.newBuilder().setMaxNewTokens(DEFAULTS.maxNewTokens()).build();
    assertEquals(
        key(new CaptionTask(), null, DEFAULTS), key(new CaptionTask(), explicit, DEFAULTS));
    TaskDefaults longer =
        TaskDefaults.from(Map.of("glimpse.generate.max.new.tokens.default", "64"));
    assertNotEquals(key(new CaptionTask(), null, DEFAULTS), key(new CaptionTask(), null, longer));
  }

  @Test
  void anEmptyModerationTaskIsKeyedByTheDefaultCategoriesAndTheThreshold() {
    ModerationTask empty = new ModerationTask(List.of());
    assertEquals(
        key(empty, null, DEFAULTS),
        key(new ModerationTask(List.of("hazard", " warning_sign")), null, DEFAULTS),
        "the defaults, named or not, in any order, are one key");
    TaskDefaults otherCategories =
        TaskDefaults.from(Map.of("glimpse.moderation.categories", "hazard"));
    TaskDefaults otherThreshold =
        TaskDefaults.from(Map.of("glimpse.moderation.flag.threshold", "0.8"));
    assertNotEquals(key(empty, null, DEFAULTS), key(empty, null, otherCategories));
    assertNotEquals(key(empty, null, DEFAULTS), key(empty, null, otherThreshold));
  }

  @Test
  void aModerationKeyChangesWithTheThresholdOfACategoryItScoresOnly() {
    ModerationTask hazard = new ModerationTask(List.of("hazard"));
    TaskDefaults hazardStricter =
        TaskDefaults.from(Map.of("glimpse.moderation.flag.threshold.hazard", "0.9"));
    TaskDefaults fireStricter =
        TaskDefaults.from(Map.of("glimpse.moderation.flag.threshold.fire", "0.9"));
    assertNotEquals(key(hazard, null, DEFAULTS), key(hazard, null, hazardStricter));
    assertEquals(
        key(hazard, null, DEFAULTS),
        key(hazard, null, fireStricter),
        "a threshold of a category the task does not score changes nothing it answers");
    TaskDefaults sameAsDefault =
        TaskDefaults.from(Map.of("glimpse.moderation.flag.threshold.hazard", "0.5"));
    assertEquals(
        key(hazard, null, DEFAULTS),
        key(hazard, null, sameAsDefault),
        "a category's own threshold equal to the default is the same answer");
  }

  @Test
  void theKeyNamesImageAndModel() {
    String key = key(new QuestionTask("Is it red?"), null, DEFAULTS);
    assertEquals(true, key.startsWith("sha:") && key.endsWith(":model"), key);
  }
}
