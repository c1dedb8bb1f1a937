package dev.glimpse.train;

import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.model.checkpoint.TensorDType;
import dev.glimpse.model.image.ClipImageProcessor;
import dev.glimpse.model.image.ImageProcessorConfig;
import dev.glimpse.train.shapes.DatasetConfig;
import dev.glimpse.train.shapes.ShapesDataset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

/**
 * The pieces a stage runs on, wired as {@link ShapesTrainer} wires them, for tiny runs: batches of
 * two, weights stored as float32 (so a test reads back exactly what was trained), a log in memory.
 */
final class TrainingFixture {
  static final int BATCH = 2;

  final StringWriter text = new StringWriter();
  final ShapesTrainer.Settings settings;
  final ShapesDataset.Splits splits;
  final TrainingLog log;
  final Batches batches;
  final TrainingLoop loop;
  final HeldOutProbe probe;

  TrainingFixture(long seed, Duration silence, int probeExamples) {
    ShapesTrainer.Settings d = ShapesTrainer.Settings.defaults(seed);
    this.settings =
        new ShapesTrainer.Settings(
            seed,
            BATCH,
            2,
            2,
            2,
            2,
            d.visionLr(),
            d.languageLr(),
            d.projectorLr(),
            LlavaSpec.Projector.LINEAR,
            false,
            TensorDType.F32,
            probeExamples);
    int imageSize = ShapesTrainer.spec(LlavaSpec.Projector.LINEAR).vision().imageSize();
    this.splits = ShapesDataset.split(seed, DatasetConfig.defaults().withImageSize(imageSize));
    this.log = new TrainingLog(new PrintWriter(text, true), silence);
    this.batches =
        new Batches(
            splits,
            new ClipImageProcessor(ImageProcessorConfig.clipDefaults(imageSize)),
            imageSize,
            BATCH);
    this.loop = new TrainingLoop(batches, log);
    this.probe = new HeldOutProbe(batches, log, probeExamples);
  }
}
