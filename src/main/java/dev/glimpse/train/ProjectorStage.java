package dev.glimpse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import dev.glimpse.model.checkpoint.LlavaCheckpointWriter;
import dev.glimpse.model.checkpoint.LlavaSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stage 3: with the tower and the language model frozen, one linear map (or LLaVA-1.5's MLP) from
 * patch features into the LM's embedding space, trained on image–answer pairs, loss on the answer
 * tokens only; or the <b>blind</b> baseline, the same projector fed zeros instead of features. Each
 * run writes its checkpoint.
 */
final class ProjectorStage {

  /** Where the stage's training data starts. */
  static final long DATA_OFFSET = 2L << 40;

  /** One projector to train: its kind, or the blind baseline, and where its checkpoint goes. */
  record Run(LlavaSpec.Projector kind, boolean blind, int steps, Path dir) {
    static Run blind(int steps, Path dir) {
      return new Run(LlavaSpec.Projector.LINEAR, true, steps, dir);
    }

    String name() {
      return blind ? "blind" : "projector-" + kind.name().toLowerCase(Locale.ROOT);
    }
  }

  private final ShapesTrainer.Settings settings;
  private final TrainingLoop loop;
  private final HeldOutProbe probe;
  private final TrainingLog log;

  ProjectorStage(
      ShapesTrainer.Settings settings, TrainingLoop loop, HeldOutProbe probe, TrainingLog log) {
    this.settings = settings;
    this.loop = loop;
    this.probe = probe;
    this.log = log;
  }

  StageReport train(
      NDManager root, VisionStage.Trained vision, Map<String, float[]> language, Run run) {
    LlavaSpec spec = ShapesTrainer.spec(run.kind());
    Map<String, float[]> frozen = new HashMap<>(vision.tower());
    frozen.putAll(language);
    if (run.kind() == LlavaSpec.Projector.LINEAR && !run.blind()) {
      frozen.putAll(vision.projectorStart());
    }
    int slots = spec.imageSeqLength();
    try (TrainableLlava model = new TrainableLlava(spec, root, frozen, settings.seed() ^ 0xB0)) {
      AdamW adam = AdamW.defaults(model.weights(CheckpointKeys.PROJECTOR));
      TrainingLoop.Plan plan =
          new TrainingLoop.Plan(
              run.name(), run.steps(), settings.projectorLr(), DATA_OFFSET, !run.blind());
      StageReport report =
          loop.run(
              plan,
              model,
              adam,
              adam.state(),
              (s, batch) -> {
                Sequences seq = Sequences.of(batch.examples(), slots, false);
                NDArray ids = seq.idsArray(s);
                NDArray features = features(model, s, batch, run.blind());
                return () -> {
                  NDArray logits = logits(model, ids, features);
                  return seq.stepLoss(logits);
                };
              });
      Map<String, Double> heldOut =
          probe.score(
              run.name(),
              !run.blind(),
              slots,
              false,
              (batch, seq) -> {
                try (NDManager s = model.step(List.of())) {
                  NDArray ids = seq.idsArray(s);
                  return Accuracy.argmax(
                      logits(model, ids, features(model, s, batch, run.blind())));
                }
              });
      if (run.blind()) {
        // the blind projector sees only zeros: its weight has no gradient; store it as zero
        model.weight(CheckpointKeys.weight(CheckpointKeys.projectorLinear(1))).muli(0);
      }
      writeCheckpoint(model, spec, run.dir());
      return report.withHeldOut(heldOut);
    }
  }

  /** The logits of token rows whose image slot holds the projected features. */
  private static NDArray logits(TrainableLlava model, NDArray ids, NDArray features) {
    return model.logits(model.inputsEmbeds(ids, model.project(features), Sequences.IMAGE_START));
  }

  /** The frozen tower's patch features of a batch, or zeros for the blind baseline. */
  private static NDArray features(
      TrainableLlava model, NDManager s, Batches.Batch batch, boolean blind) {
    LlavaSpec spec = model.spec();
    return blind
        ? s.zeros(new Shape(batch.size(), spec.imageSeqLength(), spec.vision().hidden()))
        : model.visionFeatures(batch.images(s));
  }

  private void writeCheckpoint(TrainableLlava model, LlavaSpec spec, Path dir) {
    LlavaCheckpointWriter.write(dir, spec.withStorage(settings.storedAs(), 1), model.tensors());
    // the shapes world's own WordLevel tokenizer, in place of the writer's placeholder words
    for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
      try (InputStream in =
          ProjectorStage.class.getResourceAsStream("/dev/glimpse/train/shapes/" + file)) {
        Files.copy(in, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    log.line("wrote %s", dir);
  }
}
