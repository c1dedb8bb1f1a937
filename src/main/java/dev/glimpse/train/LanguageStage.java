package dev.glimpse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import dev.glimpse.model.checkpoint.LlavaSpec;
import java.util.List;
import java.util.Map;

/**
 * Stage 1: a small LLaMA learns, from text alone, to answer and caption when the image slot holds
 * the scene's description ({@link SceneSlots}), each token the sum of its words' embeddings; loss
 * on the answer tokens. It is trained first, as the vision stage aims at its embeddings.
 */
final class LanguageStage {

  /** Where the stage's training data starts. */
  static final long DATA_OFFSET = 1L << 40;

  /** Noise added to the description's embeddings in training, relative to their RMS. */
  static final float SLOT_NOISE = 0.25f;

  /** The trained language model's weights, and what the stage reports. */
  record Trained(Map<String, float[]> weights, StageReport report) {}

  private final ShapesTrainer.Settings settings;
  private final TrainingLoop loop;
  private final HeldOutProbe probe;

  LanguageStage(ShapesTrainer.Settings settings, TrainingLoop loop, HeldOutProbe probe) {
    this.settings = settings;
    this.loop = loop;
    this.probe = probe;
  }

  Trained train(NDManager root) {
    LlavaSpec spec = ShapesTrainer.spec(settings.projector());
    int slots = spec.imageSeqLength();
    try (TrainableLlava model = new TrainableLlava(spec, root, Map.of(), settings.seed() ^ 0x7E)) {
      AdamW adam = AdamW.defaults(model.weights(CheckpointKeys.TEXT));
      TrainingLoop.Plan plan =
          new TrainingLoop.Plan(
              "language", settings.languageSteps(), settings.languageLr(), DATA_OFFSET, false);
      StageReport report =
          loop.run(
              plan,
              model,
              adam,
              adam.state(),
              (s, batch) -> {
                Sequences seq = Sequences.of(batch.examples(), slots, true);
                NDArray ids = seq.idsArray(s);
                NDArray table = model.weight(CheckpointKeys.EMBED_TOKENS);
                float rms = (float) Math.sqrt(table.square().mean().getFloat());
                NDArray noise =
                    s.randomNormal(
                        0,
                        SLOT_NOISE * rms,
                        new Shape(seq.rows(), slots, spec.text().hidden()),
                        DataType.FLOAT32);
                return () -> {
                  NDArray logits =
                      model.logits(describedEmbeds(model, ids, seq.described(), slots, noise));
                  return seq.stepLoss(logits);
                };
              });
      Map<String, Double> heldOut =
          probe.score(
              "language",
              false,
              slots,
              true,
              (batch, seq) -> {
                try (NDManager s = model.step(List.of())) {
                  NDArray ids = seq.idsArray(s);
                  return Accuracy.argmax(
                      model.logits(describedEmbeds(model, ids, seq.described(), slots, null)));
                }
              });
      return new Trained(model.values(CheckpointKeys.TEXT), report.withHeldOut(heldOut));
    }
  }

  /**
   * The embeddings of a row whose image slot holds the description (each token the sum of its bag's
   * word embeddings), with noise added to it in training: the LM learns to read a description whose
   * embeddings are not exact, as projected ones will not be.
   *
   * @param hot the description as a multi-hot, (rows × slots × vocab)
   * @param noise (rows × slots × hidden), or null for the exact description
   */
  private static NDArray describedEmbeds(
      TrainableLlava model, NDArray ids, float[] hot, int slots, NDArray noise) {
    NDArray text = model.embed(ids);
    NDArray table = model.weight(CheckpointKeys.EMBED_TOKENS);
    long rows = ids.getShape().get(0);
    NDArray described =
        ids.getManager().create(hot, new Shape(rows, slots, table.getShape().get(0))).matMul(table);
    if (noise != null) {
      described = described.add(noise);
    }
    return NDArrays.concat(
        new NDList(
            text.get(":, :{}, :", Sequences.IMAGE_START),
            described,
            text.get(":, {}:, :", Sequences.IMAGE_START + slots)),
        1);
  }
}
