package dev.glimpse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which steps get a progress line, and so have their accuracy measured. */
class ProgressTest {

  @Test
  void aLineIsDueEveryTenthOfTheStageAndOnItsLastStep() {
    StringWriter text = new StringWriter();
    Progress progress =
        new Progress("s", 25, new TrainingLog(new PrintWriter(text, true), Duration.ofHours(1)));
    List<Integer> due = new ArrayList<>();
    for (int step = 0; step < 25; step++) {
      if (progress.due(step)) {
        due.add(step);
      }
      progress.step(step, 1.0, progress.due(step) ? 0.5 : -1, 4);
    }
    assertEquals(List.of(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24), due);
    assertEquals(due.size(), text.toString().lines().count(), text.toString());
    assertTrue(text.toString().startsWith("[s] step 1/25 loss 1.0000 acc 0.500 "), text.toString());
    StageReport report = progress.finish();
    assertEquals(25, report.curves().loss().size());
    assertEquals(due.size(), report.curves().accuracy().size());
  }

  @Test
  void aLogSilentTooLongMakesEveryStepDue() {
    StringWriter text = new StringWriter();
    Progress progress =
        new Progress("s", 25, new TrainingLog(new PrintWriter(text, true), Duration.ZERO));
    for (int step = 0; step < 25; step++) {
      assertTrue(progress.due(step), "step " + step);
      progress.step(step, 1.0, 0.5, 4);
    }
    assertEquals(25, text.toString().lines().count(), text.toString());
  }
}
