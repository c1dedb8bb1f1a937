package dev.glimpse.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.train.shapes.Example;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one loop of every stage: which batches it trains on, what it updates, what it reports. */
class TrainingLoopTest {

  private static final String PROJECTOR_WEIGHT =
      CheckpointKeys.weight(CheckpointKeys.projectorLinear(1));

  @Test
  void eachStepTrainsOnTheNextBatchFromTheStagesOwnOffset() {
    TrainingFixture f = new TrainingFixture(7, Duration.ofHours(1), 0);
    List<Example> seen = new ArrayList<>();
    try (NDManager root = NDManager.newBaseManager();
        TrainableLlava model = model(root)) {
      AdamW adam = AdamW.defaults(model.weights(CheckpointKeys.PROJECTOR));
      f.loop.run(
          new TrainingLoop.Plan("test", 3, 1e-3, 1000, false),
          model,
          adam,
          adam.state(),
          (s, batch) -> {
            seen.addAll(batch.examples());
            return () -> squaredWeight(model, 1f, batch.size());
          });
    }
    assertEquals(3 * TrainingFixture.BATCH, seen.size());
    for (int i = 0; i < seen.size(); i++) {
      Example wanted = f.splits.train().example(1000 + i);
      assertEquals(wanted.scene(), seen.get(i).scene(), "example " + i);
      assertEquals(wanted.prompt(), seen.get(i).prompt(), "example " + i);
    }
  }

  @Test
  void aStepWithANonFiniteGradientLeavesTheWeightsAsTheyWere() {
    TrainingFixture f = new TrainingFixture(7, Duration.ofHours(1), 0);
    try (NDManager root = NDManager.newBaseManager();
        TrainableLlava model = model(root)) {
      AdamW adam = AdamW.defaults(model.weights(CheckpointKeys.PROJECTOR));
      float[] before = model.weight(PROJECTOR_WEIGHT).toFloatArray();

      f.loop.run(
          new TrainingLoop.Plan("nan", 2, 1e-3, 0, false),
          model,
          adam,
          adam.state(),
          (s, batch) -> () -> squaredWeight(model, Float.NaN, batch.size()));
      assertEquals(2, adam.skipped());
      assertArrayEquals(before, model.weight(PROJECTOR_WEIGHT).toFloatArray());

      f.loop.run(
          new TrainingLoop.Plan("finite", 1, 1e-3, 0, false),
          model,
          adam,
          adam.state(),
          (s, batch) -> () -> squaredWeight(model, 1f, batch.size()));
      assertEquals(2, adam.skipped());
      assertNotEquals(before[0], model.weight(PROJECTOR_WEIGHT).toFloatArray()[0]);
    }
  }

  @Test
  void theReportHoldsTheFirstLossTheSmoothedLastAndOnePointPerStep() {
    TrainingFixture f = new TrainingFixture(7, Duration.ofHours(1), 0);
    StageReport report;
    List<Float> losses = new ArrayList<>();
    try (NDManager root = NDManager.newBaseManager();
        TrainableLlava model = model(root)) {
      AdamW adam = AdamW.defaults(model.weights(CheckpointKeys.PROJECTOR));
      report =
          f.loop.run(
              new TrainingLoop.Plan("curve", 3, 1e-3, 0, false),
              model,
              adam,
              adam.state(),
              (s, batch) ->
                  () -> {
                    TrainingLoop.StepLoss out = squaredWeight(model, 1f, batch.size());
                    losses.add(out.loss().getFloat());
                    return out;
                  });
    }
    double smoothed = losses.get(0);
    for (float loss : losses.subList(1, 3)) {
      smoothed = 0.9 * smoothed + 0.1 * loss;
    }
    assertEquals("curve", report.result().name());
    assertEquals(losses.get(0), report.result().firstLoss(), 0);
    assertEquals(smoothed, report.result().lastLoss(), 1e-12);
    assertEquals(3, report.curves().loss().size());
    assertTrue(report.heldOut().isEmpty(), "a loop alone is not probed");
    assertTrue(f.text.toString().contains("[curve] step 3/3 loss"), f.text.toString());
  }

  private static TrainableLlava model(NDManager root) {
    return new TrainableLlava(ShapesTrainer.spec(LlavaSpec.Projector.LINEAR), root, Map.of(), 3);
  }

  /** A real loss of the projector's weight: the sum of its squares, times {@code scale}. */
  private static TrainingLoop.StepLoss squaredWeight(
      TrainableLlava model, float scale, int examples) {
    NDArray loss = model.weight(PROJECTOR_WEIGHT).square().sum().mul(scale);
    return new TrainingLoop.StepLoss(loss, () -> 0.5, examples);
  }
}
