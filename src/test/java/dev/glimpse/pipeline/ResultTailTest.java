package dev.glimpse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.Timings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The line {@code glimpse tail} prints for a result. */
class ResultTailTest {

  @Test
  void aModerationLineShowsEachCategorysThresholdAndVerdictBesideItsScore() {
    ModerationResult m =
        new ModerationResult(
            "cam-7",
            2,
            "m",
            "sha",
            Map.of("warning_sign", 0.83, "hazard", 0.41),
            true,
            new Timings(1L, 2L, 3L, 12L),
            false,
            Map.of("warning_sign", true, "hazard", false),
            Map.of("warning_sign", 0.5, "hazard", 0.45));

    assertEquals(
        String.format(
            "%-28s moderation %s",
            "cam-7",
            "hazard=0.410 (threshold 0.450, clear)"
                + " warning_sign=0.830 (threshold 0.500, flagged) FLAGGED  (12 ms)"),
        ResultTail.Result.of(m).describe());
  }

  @Test
  void aVersion1ModerationResultWithoutVerdictsShowsScoresAndTheFlagOnly() {
    ModerationResult m =
        new ModerationResult(
            "old",
            0,
            "m",
            "sha",
            Map.of("hazard", 0.75),
            true,
            new Timings(1L, 2L, 3L, 6L),
            true,
            Map.of(),
            Map.of());

    assertEquals(
        String.format("%-28s moderation hazard=0.750 FLAGGED  (from cache)", "old"),
        ResultTail.Result.of(m).describe());
  }
}
