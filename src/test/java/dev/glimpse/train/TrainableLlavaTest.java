package dev.glimpse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.glimpse.HandComputed;
import dev.glimpse.model.LlavaModel;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.model.checkpoint.RandomLlava;
import dev.glimpse.model.checkpoint.SafetensorsWriter;
import dev.glimpse.model.generate.Generator;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training forward pass and export agree with the inference path; gradients agree with finite
 * differences; training lowers the loss.
 */
class TrainableLlavaTest {

  @TempDir Path tmp;

  @Test
  void exportedCheckpointGivesTheTrainingForwardsLogits_builtinShape() {
    assertRoundTrip(ShapesTrainer.spec(LlavaSpec.Projector.LINEAR), tmp.resolve("linear"));
  }

  @Test
  void exportedCheckpointGivesTheTrainingForwardsLogits_mlpGqaUntiedPenultimateLayer() {
    assertRoundTrip(LlavaSpec.tiny(), tmp.resolve("tiny"));
  }

  private static void assertRoundTrip(LlavaSpec spec, Path dir) {
    Map<String, float[]> values = new HashMap<>();
    for (SafetensorsWriter.Tensor t : RandomLlava.weights(spec, 11, 0.08)) {
      values.put(t.name(), t.values());
    }
    int size = spec.vision().imageSize();
    int image = spec.imageSeqLength();
    SplittableRandom random = new SplittableRandom(3);
    float[] pixels = new float[3 * size * size];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextDouble(-1.8, 2.2);
    }
    int start = 3;
    int[] ids = new int[start + image + 6];
    for (int i = 0; i < ids.length; i++) {
      boolean isImage = i >= start && i < start + image;
      ids[i] =
          i == 0 ? 1 : isImage ? spec.imageTokenId() : 5 + random.nextInt(spec.text().vocab() - 5);
      if (!isImage && ids[i] == spec.imageTokenId()) {
        ids[i]++;
      }
    }
    long[] longIds = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      longIds[i] = ids[i];
    }
    float[] trained;
    try (NDManager root = NDManager.newBaseManager();
        TrainableLlava model = new TrainableLlava(spec, root, values, 0)) {
      model.write(dir);
      try (NDManager s = model.step(List.of())) {
        NDArray features = model.visionFeatures(s.create(pixels, new Shape(1, 3, size, size)));
        NDArray embeds =
            model.inputsEmbeds(
                s.create(longIds, new Shape(1, ids.length)), model.project(features), start);
        trained = model.logits(embeds).toFloatArray();
      }
    }
    float[] served = servedLogits(dir, ids, pixels);
    assertEquals(served.length, trained.length);
    double maxDiff = 0;
    double maxAbs = 0;
    for (int i = 0; i < served.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(served[i] - trained[i]));
      maxAbs = Math.max(maxAbs, Math.abs(served[i]));
    }
    assertTrue(maxAbs > 0.1, "logits are not trivially small: " + maxAbs);
    assertTrue(maxDiff < 1e-3, "training and serving logits differ by " + maxDiff);
  }

  /** Logits of every position as the inference classes compute them from the written directory. */
  private static float[] servedLogits(Path dir, int[] ids, float[] pixels) {
    try (LlavaCheckpoint checkpoint = LlavaCheckpoint.open(dir);
        LlavaModel model = LlavaModel.load(checkpoint, Device.cpu(), DataType.FLOAT32)) {
      return Generator.logitsOfEveryPosition(model, ids, List.of(pixels));
    }
  }

  /** Two rows of random pixels and token ids, each with one answer position in the loss. */
  private record Batch(float[] pixels, long[] ids, int[][] targets, boolean[][] counted) {
    static Batch random() {
      float[] pixels = new float[2 * 3 * 64 * 64];
      SplittableRandom random = new SplittableRandom(1);
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) random.nextGaussian();
      }
      long[] ids = new long[2 * 24];
      int[][] targets = new int[2][24];
      boolean[][] counted = new boolean[2][24];
      for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 24; i++) {
          ids[r * 24 + i] = 5 + random.nextInt(40);
        }
        targets[r][22] = 10 + r;
        counted[r][22] = true;
      }
      return new Batch(pixels, ids, targets, counted);
    }

    /** The training loss of this batch, on the step manager {@code s}. */
    NDArray loss(TrainableLlava model, NDManager s) {
      NDArray features = model.visionFeatures(s.create(pixels, new Shape(2, 3, 64, 64)));
      NDArray embeds =
          model.inputsEmbeds(s.create(ids, new Shape(2, 24)), model.project(features), 3);
      return TrainableLlava.loss(model.logits(embeds), targets, counted);
    }
  }

  /** The built-in shapes model with the MLP projector, freshly initialised (seed 5). */
  private static TrainableLlava mlpModel(NDManager root) {
    return new TrainableLlava(ShapesTrainer.spec(LlavaSpec.Projector.MLP), root, Map.of(), 5);
  }

  @Test
  void aFewStepsOfAdamWHalveTheLoss() {
    Batch batch = Batch.random();
    try (NDManager root = NDManager.newBaseManager();
        TrainableLlava model = mlpModel(root)) {
      AdamW adam = AdamW.defaults(model.weights(CheckpointKeys.PROJECTOR));
      double first = 0;
      double last = 0;
      for (int step = 0; step < 20; step++) {
        try (NDManager s = model.step(adam.state())) {
          NDArray loss;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            loss = batch.loss(model, s);
            gc.backward(loss);
          }
          if (step == 0) {
            first = loss.getFloat();
          }
          last = loss.getFloat();
          adam.step(1e-2);
        }
      }
      assertTrue(last < first * 0.5, "loss fell from " + first + " to " + last);
    }
  }

  /**
   * The backward pass is checked against the loss itself: for the entry of largest gradient in
   * every projector weight (and a fixed other entry), a central difference of the loss agrees with
   * the analytic gradient. A wrong or detached gradient fails this; a falling loss alone would not.
   */
  @Test
  void projectorGradientsAgreeWithCentralDifferencesOfTheLoss() {
    Batch batch = Batch.random();
    try (NDManager root = NDManager.newBaseManager();
        TrainableLlava model = mlpModel(root)) {
      Map<String, NDArray> projector = model.weights(CheckpointKeys.PROJECTOR);
      projector.values().forEach(p -> p.setRequiresGradient(true));
      Map<String, float[]> gradients = new HashMap<>();
      try (NDManager s = model.step(List.of())) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          gc.backward(batch.loss(model, s));
        }
        projector.forEach((name, p) -> gradients.put(name, p.getGradient().toFloatArray()));
      }
      assertEquals(
          4, gradients.size(), "linear_1 and linear_2, weight and bias: " + gradients.keySet());
      float h = 1e-2f;
      for (Map.Entry<String, NDArray> e : projector.entrySet()) {
        float[] g = gradients.get(e.getKey());
        int largest = 0;
        for (int i = 1; i < g.length; i++) {
          largest = Math.abs(g[i]) > Math.abs(g[largest]) ? i : largest;
        }
        assertTrue(Math.abs(g[largest]) > 1e-4, e.getKey() + " gets no gradient: " + g[largest]);
        for (int entry : new int[] {largest, g.length / 3}) {
          NDArray p = e.getValue();
          float[] values = p.toFloatArray();
          float original = values[entry];
          values[entry] = original + h;
          p.set(values);
          double plus = lossValue(model, batch);
          values[entry] = original - h;
          p.set(values);
          double minus = lossValue(model, batch);
          values[entry] = original;
          p.set(values);
          double numeric = (plus - minus) / (2 * h);
          // float32 loss: rounding in the difference is ~1e-6 / h; allow that plus 2 %
          assertEquals(
              g[entry], numeric, 2e-4 + 0.02 * Math.abs(g[entry]), e.getKey() + "[" + entry + "]");
        }
      }
    }
  }

  private static double lossValue(TrainableLlava model, Batch batch) {
    try (NDManager s = model.step(List.of())) {
      return batch.loss(model, s).getFloat();
    }
  }

  @Test
  void exampleLossWeighsEveryRowTheSameWhateverItsNumberOfAnswerTokens() {
    try (NDManager m = NDManager.newBaseManager()) {
      int vocab = 7;
      float[] values = gaussians(3, 2 * 4 * vocab);
      NDArray logits = m.create(values, new Shape(2, 4, vocab));
      int[][] targets = {{1, 2, 3, 4}, {5, 6, 0, 1}};
      // row 0 counts three positions, row 1 one
      boolean[][] counted = {{true, true, true, false}, {false, true, false, false}};
      double[][] nll = new double[2][4];
      for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 4; i++) {
          nll[r][i] = -HandComputed.logSoftmax(values, (r * 4 + i) * vocab, vocab, targets[r][i]);
        }
      }
      double perExample = ((nll[0][0] + nll[0][1] + nll[0][2]) / 3 + nll[1][1]) / 2;
      double perToken = (nll[0][0] + nll[0][1] + nll[0][2] + nll[1][1]) / 4;
      assertEquals(
          perExample, TrainableLlava.exampleLoss(logits, targets, counted).getFloat(), 1e-5);
      assertEquals(perToken, TrainableLlava.loss(logits, targets, counted).getFloat(), 1e-5);
    }
  }

  @Test
  void bagLossSpreadsEachPositionsTargetEvenlyOverItsWords() {
    try (NDManager m = NDManager.newBaseManager()) {
      int vocab = 6;
      float[] values = gaussians(5, 2 * 3 * vocab);
      NDArray logits = m.create(values, new Shape(2, 3, vocab));
      int[][][] bags = {{{0, 1, 2, 3}, {4}, {5}}, {{2}, {1, 3}, {0, 5, 4, 2}}};
      double total = 0;
      for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 3; i++) {
          double position = 0;
          for (int id : bags[r][i]) {
            position +=
                -HandComputed.logSoftmax(values, (r * 3 + i) * vocab, vocab, id)
                    / bags[r][i].length;
          }
          total += position;
        }
      }
      assertEquals(total / 6, TrainableLlava.bagLoss(logits, bags).getFloat(), 1e-5);
    }
  }

  private static float[] gaussians(long seed, int n) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }
}
