package dev.glimpse.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A stage's progress lines on the log: step, smoothed loss, accuracy, examples per second, ETA. */
final class Progress {
  private final String stage;
  private final int steps;
  private final TrainingLog log;
  private final long start = System.nanoTime();
  private final int every;
  private double first = Double.NaN;
  private double smoothed = Double.NaN;
  private double accuracy = Double.NaN;
  private long examples;
  private final List<TrainingCurves.Point> lossCurve = new ArrayList<>();
  private final List<TrainingCurves.Point> accuracyCurve = new ArrayList<>();

  /** The step {@link #due} last decided for, and what it decided: step() prints exactly then. */
  private int decidedStep = -1;

  private boolean decided;

  Progress(String stage, int steps, TrainingLog log) {
    this.stage = stage;
    this.steps = steps;
    this.log = log;
    this.every = Math.max(1, Math.min(100, steps / 10));
  }

  /**
   * Whether this step gets a line (and so its accuracy measured): every tenth of the stage (at most
   * every 100 steps), its last step, and any step after the log was silent too long.
   */
  boolean due(int step) {
    if (step != decidedStep) {
      decidedStep = step;
      decided = step % every == 0 || step == steps - 1 || log.silentTooLong();
    }
    return decided;
  }

  /** Records a step's loss and, when measured ({@code acc >= 0}), its accuracy. */
  void step(int step, double loss, double acc, int batch) {
    examples += batch;
    if (Double.isNaN(first)) {
      first = loss;
    }
    smoothed = Double.isNaN(smoothed) ? loss : 0.9 * smoothed + 0.1 * loss;
    lossCurve.add(new TrainingCurves.Point(step + 1, smoothed));
    if (acc >= 0) {
      accuracy = acc;
      accuracyCurve.add(new TrainingCurves.Point(step + 1, acc));
    }
    if (due(step)) {
      double seconds = (System.nanoTime() - start) / 1e9;
      double eta = seconds / (step + 1) * (steps - step - 1);
      log.line(
          "[%s] step %d/%d loss %.4f acc %.3f %.0f ex/s eta %ds",
          stage, step + 1, steps, smoothed, accuracy, examples / seconds, Math.round(eta));
    }
  }

  StageReport finish() {
    return new StageReport(
        new ShapesTrainer.StageResult(
            stage, steps, first, smoothed, accuracy, (System.nanoTime() - start) / 1e9),
        new TrainingCurves.Stage(stage, steps, lossCurve, accuracyCurve),
        Optional.empty());
  }
}
