package dev.glimpse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The probe scores an example right only when every answer token is the argmax, per kind and per
 * count.
 */
class HeldOutProbeTest {

  private static final int SLOTS = 16;

  @Test
  void aModelThatPredictsEveryTargetScoresOneOnEveryKey() {
    TrainingFixture f = new TrainingFixture(9, Duration.ofHours(1), 12);
    Map<String, Double> scores =
        f.probe.score(
            "perfect",
            false,
            SLOTS,
            false,
            (batch, seq) -> {
              float[] argmax = new float[seq.rows() * seq.length()];
              for (int r = 0; r < seq.rows(); r++) {
                for (int i = 0; i < seq.length(); i++) {
                  argmax[r * seq.length() + i] = seq.targets()[r][i];
                }
              }
              return argmax;
            });
    assertTrue(
        !scores.isEmpty() && scores.values().stream().allMatch(v -> v == 1.0), scores.toString());
    for (String key : scores.keySet()) {
      String kind = key.split("/")[0];
      assertTrue(scores.containsKey(kind), key + " has its kind's total in " + scores);
    }
    assertTrue(
        f.text.toString().startsWith("[perfect] held-out teacher-forced accuracy:"),
        f.text.toString());
  }

  @Test
  void oneWrongAnswerTokenMakesTheExampleWrong() {
    TrainingFixture f = new TrainingFixture(9, Duration.ofHours(1), 12);
    Map<String, Double> scores =
        f.probe.score(
            "last-wrong",
            false,
            SLOTS,
            false,
            (batch, seq) -> {
              float[] argmax = new float[seq.rows() * seq.length()];
              for (int r = 0; r < seq.rows(); r++) {
                int last = -1;
                for (int i = 0; i < seq.length(); i++) {
                  argmax[r * seq.length() + i] = seq.targets()[r][i];
                  last = seq.counted()[r][i] ? i : last;
                }
                argmax[r * seq.length() + last] = -1; // the last answer token is wrong
              }
              return argmax;
            });
    assertTrue(
        !scores.isEmpty() && scores.values().stream().allMatch(v -> v == 0.0), scores.toString());
  }

  @Test
  void everyHeldOutExampleIsCountedOnceUnderItsKind() {
    TrainingFixture f = new TrainingFixture(9, Duration.ofHours(1), 12);
    int[] rows = new int[1];
    f.probe.score(
        "count",
        false,
        SLOTS,
        false,
        (batch, seq) -> {
          rows[0] += seq.rows();
          float[] argmax = new float[seq.rows() * seq.length()];
          Arrays.fill(argmax, -1);
          return argmax;
        });
    assertEquals(12, rows[0]);
  }
}
