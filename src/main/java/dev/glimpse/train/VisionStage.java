package dev.glimpse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.train.shapes.Scene;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 2: a small CLIP ViT learns to name each image token's bag of words ({@link SceneSlots})
 * through a linear head into the (frozen, pretrained) language model's embedding space, scored
 * against the word embeddings: a cross-entropy over the vocabulary with the embeddings as
 * classifier and the bag's words as an even target, plus the squared distance to the sum of their
 * embeddings, plus a per-patch loss from a middle layer. The head is the linear projector's start.
 */
final class VisionStage {

  /** Where the stage's training data starts. */
  static final long DATA_OFFSET = 0;

  /**
   * The trained tower's weights, its head as projector weights (what the linear projector starts
   * from), and what the stage reports.
   */
  record Trained(
      Map<String, float[]> tower, Map<String, float[]> projectorStart, StageReport report) {}

  private final ShapesTrainer.Settings settings;
  private final TrainingLoop loop;

  VisionStage(ShapesTrainer.Settings settings, TrainingLoop loop) {
    this.settings = settings;
    this.loop = loop;
  }

  Trained train(NDManager root, Map<String, float[]> language) {
    LlavaSpec spec = ShapesTrainer.spec(settings.projector());
    try (TrainableLlava model = new TrainableLlava(spec, root, language, settings.seed() ^ 0x51)) {
      int vocab = spec.text().vocab();
      int h = spec.vision().hidden();
      int th = spec.text().hidden();
      int slots = spec.imageSeqLength();
      int grid = spec.vision().imageSize() / spec.vision().patchSize();
      NDArray table = model.weight(CheckpointKeys.EMBED_TOKENS);
      float meanSquare = table.square().mean().getFloat();
      float logitScale = (float) (1 / (meanSquare * Math.sqrt(th)));
      Map<String, NDArray> trainable = new LinkedHashMap<>(model.weights(CheckpointKeys.VISION));
      trainable.keySet().removeIf(k -> k.startsWith(CheckpointKeys.POST_LAYER_NORM));
      NDArray headW =
          model
              .manager()
              .randomNormal(0, 0.02f, new Shape(h, th), DataType.FLOAT32); // (vision, text)
      NDArray headB = model.manager().zeros(new Shape(th));
      trainable.put("head.weight", headW);
      trainable.put("head.bias", headB);
      // deep supervision: from a middle layer, each patch names the shape centred in it
      NDArray localW =
          model.manager().randomNormal(0, 0.02f, new Shape(h, 3 * vocab), DataType.FLOAT32);
      NDArray localB = model.manager().zeros(new Shape(3 * vocab));
      trainable.put("local.weight", localW);
      trainable.put("local.bias", localB);
      int localLayer = Math.max(1, model.featureDepth() / 2);
      AdamW adam = AdamW.defaults(trainable);
      List<NDArray> attached = new ArrayList<>(adam.state());
      attached.addAll(List.of(headW, headB, localW, localB));
      TrainingLoop.Plan plan =
          new TrainingLoop.Plan(
              "vision", settings.visionSteps(), settings.visionLr(), DATA_OFFSET, true);
      StageReport report =
          loop.run(
              plan,
              model,
              adam,
              attached,
              (s, batch) -> {
                int b = batch.size();
                int[][][] bags = new int[b][][];
                int[][] local = new int[b * 3][];
                boolean[][] localCounted = new boolean[b * 3][slots];
                for (int r = 0; r < b; r++) {
                  Scene scene = batch.examples().get(r).scene();
                  bags[r] = SceneSlots.bags(scene, slots);
                  int[][] l = SceneSlots.centred(scene, grid);
                  for (int a = 0; a < 3; a++) {
                    local[r * 3 + a] = l[a];
                    Arrays.fill(localCounted[r * 3 + a], true);
                  }
                }
                NDArray pixels = batch.images(s);
                return () -> {
                  List<NDArray> states = model.visionStates(pixels, model.featureDepth());
                  NDArray projected =
                      states.get(states.size() - 1).get(":, 1:, :").matMul(headW).add(headB);
                  NDArray logits = projected.matMul(table.transpose()).mul(logitScale);
                  NDArray wanted =
                      s.create(SceneSlots.multiHot(bags, vocab), new Shape(b, slots, vocab))
                          .matMul(table);
                  NDArray distance = projected.sub(wanted).square().mean().div(meanSquare);
                  NDArray localLogits =
                      states
                          .get(localLayer)
                          .get(":, 1:, :")
                          .matMul(localW)
                          .add(localB)
                          .reshape(b, slots, 3, vocab)
                          .transpose(0, 2, 1, 3)
                          .reshape(b * 3, slots, vocab);
                  NDArray loss =
                      TrainableLlava.bagLoss(logits, bags)
                          .add(distance)
                          .add(TrainableLlava.loss(localLogits, local, localCounted));
                  return new TrainingLoop.StepLoss(loss, () -> Accuracy.bags(logits, bags), b);
                };
              });
      Map<String, float[]> projectorStart =
          Map.of(
              CheckpointKeys.weight(CheckpointKeys.projectorLinear(1)),
                  headW.transpose().toFloatArray(),
              CheckpointKeys.bias(CheckpointKeys.projectorLinear(1)), headB.toFloatArray());
      return new Trained(model.values(CheckpointKeys.VISION), projectorStart, report);
    }
  }
}
