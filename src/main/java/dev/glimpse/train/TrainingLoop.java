package dev.glimpse.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.DoubleSupplier;

/**
 * The training loop every stage runs: the next batch built off the training thread while this one
 * trains, the step's inputs, then its forward pass under the gradient collector, one AdamW update
 * (warm-up then cosine decay), and the step's progress on the log.
 */
final class TrainingLoop {

  /**
   * What a stage trains.
   *
   * @param stage its name on the log and in the report
   * @param dataOffset the index of its first training example: stages see disjoint data
   * @param withPixels whether its batches carry images
   */
  record Plan(String stage, int steps, double peakLr, long dataOffset, boolean withPixels) {}

  /**
   * What one step's forward pass computed: its loss, and its accuracy, measured only when the
   * step's line is due (it costs a copy of the logits).
   */
  record StepLoss(NDArray loss, DoubleSupplier accuracy, int examples) {}

  /**
   * A stage's step over a batch, inside the step's manager: what it computes here is not recorded
   * for autograd (the batch's inputs, frozen features, noise); the pass it returns is.
   */
  @FunctionalInterface
  interface Forward {
    RecordedPass apply(NDManager step, Batches.Batch batch);
  }

  /** The part of a step that runs under the gradient collector: its loss and what it needs. */
  @FunctionalInterface
  interface RecordedPass {
    StepLoss run();
  }

  private final Batches batches;
  private final TrainingLog log;

  TrainingLoop(Batches batches, TrainingLog log) {
    this.batches = batches;
    this.log = log;
  }

  /**
   * Trains {@code plan.steps()} steps.
   *
   * @param attached arrays a step needs besides the model's weights (optimizer state, heads of the
   *     stage's own), attached to each step's manager
   */
  StageReport run(
      Plan plan, TrainableLlava model, AdamW adam, List<NDArray> attached, Forward forward) {
    int steps = plan.steps();
    Progress progress = new Progress(plan.stage(), steps, log);
    CompletableFuture<Batches.Batch> next =
        batches.prefetch(plan.dataOffset(), 0, plan.withPixels());
    for (int step = 0; step < steps; step++) {
      Batches.Batch batch = next.join();
      if (step + 1 < steps) {
        next = batches.prefetch(plan.dataOffset(), step + 1, plan.withPixels());
      }
      try (NDManager s = model.step(attached)) {
        RecordedPass pass = forward.apply(s, batch);
        StepLoss out;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          out = pass.run();
          gc.backward(out.loss());
        }
        adam.step(AdamW.schedule(plan.peakLr(), step, steps, warmup(steps)));
        progress.step(
            step,
            out.loss().getFloat(),
            progress.due(step) ? out.accuracy().getAsDouble() : -1,
            out.examples());
      }
    }
    return progress.finish();
  }

  /** Warm-up steps: a tenth of the stage, at least 1, at most 100. */
  static int warmup(int steps) {
    return Math.max(1, Math.min(100, steps / 10));
  }
}
