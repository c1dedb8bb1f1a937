package dev.glimpse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The probe scores an example right only when every answer token is the argmax, per kind and per
 * count.
 */
class HeldOutProbeTest {

  private static final int SLOTS = 16;

  @Test
  void aModelThatPredictsEveryTargetScoresOneOnEveryKey() {
    TrainingFixture f = fixture();
    Map<String, Double> scores = score(f, "perfect", HeldOutProbeTest::targets);
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
    Map<String, Double> scores =
        score(
            fixture(),
            "last-wrong",
            seq -> {
              float[] argmax = targets(seq);
              for (int r = 0; r < seq.rows(); r++) {
                int last = -1;
                for (int i = 0; i < seq.length(); i++) {
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
    int[] rows = new int[1];
    score(
        fixture(),
        "count",
        seq -> {
          rows[0] += seq.rows();
          float[] argmax = new float[seq.rows() * seq.length()];
          Arrays.fill(argmax, -1);
          return argmax;
        });
    assertEquals(12, rows[0]);
  }

  /** Twelve held-out examples of seed 9. */
  private static TrainingFixture fixture() {
    return new TrainingFixture(9, Duration.ofHours(1), 12);
  }

  /** The probe's scores of a stage without pixels, answers only, for this argmax per batch. */
  private static Map<String, Double> score(
      TrainingFixture f, String stage, Function<Sequences, float[]> argmaxOf) {
    return f.probe.score(stage, false, SLOTS, false, (batch, seq) -> argmaxOf.apply(seq));
  }

  /** An argmax that is every target: (rows × length). */
  private static float[] targets(Sequences seq) {
    float[] argmax = new float[seq.rows() * seq.length()];
    for (int r = 0; r < seq.rows(); r++) {
      for (int i = 0; i < seq.length(); i++) {
        argmax[r * seq.length() + i] = seq.targets()[r][i];
      }
    }
    return argmax;
  }
}
