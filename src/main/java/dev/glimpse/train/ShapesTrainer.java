package dev.glimpse.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.model.checkpoint.TensorDType;
import dev.glimpse.model.image.ClipImageProcessor;
import dev.glimpse.model.image.ImageProcessorConfig;
import dev.glimpse.train.shapes.DatasetConfig;
import dev.glimpse.train.shapes.ShapesDataset;
import dev.glimpse.train.shapes.ShapesVocabulary;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains the built-in shapes-world model with the LiMBeR recipe, in three stages, in this order
 * (each its own class; each takes what the one before returned):
 *
 * <ol>
 *   <li><b>language</b> ({@link LanguageStage}): a small LLaMA learns, from text alone, to answer
 *       and caption when the image slot holds the scene's description, each token the sum of its
 *       words' embeddings (loss on the answer tokens); it is trained first, as the vision stage
 *       aims at its embeddings;
 *   <li><b>vision</b> ({@link VisionStage}): a small CLIP ViT learns, at each patch token, to name
 *       the bag of words of the {@link SceneSlots} description at that position (through a linear
 *       head into the language model's embedding space, which the linear projector starts from);
 *   <li><b>projector</b> ({@link ProjectorStage}): with both frozen, one linear map (or LLaVA-1.5's
 *       MLP) from patch features into the LM's embedding space, trained on image–answer pairs, loss
 *       on the answer tokens only; and a <b>blind</b> baseline, the same projector fed zeros
 *       instead of features.
 * </ol>
 *
 * Every stage runs the one {@link TrainingLoop}. Everything is seeded: the same seed and settings
 * give the same model on the same machine.
 */
public final class ShapesTrainer {

  /** What to train and how long. */
  public record Settings(
      long seed,
      int batch,
      int visionSteps,
      int languageSteps,
      int projectorSteps,
      int blindSteps,
      double visionLr,
      double languageLr,
      double projectorLr,
      LlavaSpec.Projector projector,
      boolean compare,
      TensorDType storedAs,
      int probeExamples) {

    /** The settings `glimpse train` uses by default: the built-in model. */
    public static Settings defaults(long seed) {
      return new Settings(
          seed,
          48,
          6000,
          5000,
          800,
          200,
          2e-3,
          3e-4,
          5e-3,
          LlavaSpec.Projector.LINEAR,
          false,
          TensorDType.F16,
          1920);
    }

    public Settings withSteps(int vision, int language, int projector, int blind) {
      return new Settings(
          seed,
          batch,
          vision,
          language,
          projector,
          blind,
          visionLr,
          languageLr,
          projectorLr,
          this.projector,
          compare,
          storedAs,
          probeExamples);
    }

    public Settings withProjector(LlavaSpec.Projector p, boolean compareOther) {
      return new Settings(
          seed,
          batch,
          visionSteps,
          languageSteps,
          projectorSteps,
          blindSteps,
          visionLr,
          languageLr,
          projectorLr,
          p,
          compareOther,
          storedAs,
          probeExamples);
    }

    public Settings withBatch(int b) {
      return new Settings(
          seed,
          b,
          visionSteps,
          languageSteps,
          projectorSteps,
          blindSteps,
          visionLr,
          languageLr,
          projectorLr,
          projector,
          compare,
          storedAs,
          probeExamples);
    }

    /** How many held-out examples the probes after each stage score (0: none). */
    public Settings withProbeExamples(int n) {
      return new Settings(
          seed,
          batch,
          visionSteps,
          languageSteps,
          projectorSteps,
          blindSteps,
          visionLr,
          languageLr,
          projectorLr,
          projector,
          compare,
          storedAs,
          n);
    }
  }

  /** What one stage did. */
  public record StageResult(
      String name,
      int steps,
      double firstLoss,
      double lastLoss,
      double lastAccuracy,
      double seconds) {}

  /** The architecture of the built-in model (16 image tokens, 54-word vocabulary). */
  public static LlavaSpec spec(LlavaSpec.Projector projector) {
    return new LlavaSpec(
        new LlavaSpec.Vision(96, 4, 4, 384, 64, 16),
        new LlavaSpec.Text(128, 4, 8, 8, 384, ShapesVocabulary.SHAPES.size(), 128, 10000.0, 16),
        List.of(-1),
        false,
        projector,
        true,
        ShapesVocabulary.IMAGE_ID,
        TensorDType.F32,
        1);
  }

  /** How often at the least {@code train} says where it is (a stage's step lines, the probes). */
  public static final Duration REPORT_EVERY = Duration.ofSeconds(10);

  private final Settings settings;
  private final TrainingLog log;
  private final TrainingLoop loop;
  private final HeldOutProbe probe;

  /** What the last {@link #run} reported, stage by stage. */
  private List<StageReport> reports = List.of();

  public ShapesTrainer(Settings settings, PrintWriter log) {
    this(settings, log, REPORT_EVERY);
  }

  /**
   * @param reportEvery the longest the log stays silent: with steps of ~0.15 s, a line every tenth
   *     of a stage (at most 100 steps) still left 15 s gaps, and the probes a minute
   */
  public ShapesTrainer(Settings settings, PrintWriter log, Duration reportEvery) {
    this.settings = settings;
    this.log = new TrainingLog(log, reportEvery);
    int imageSize = spec(settings.projector()).vision().imageSize();
    ShapesDataset.Splits splits =
        ShapesDataset.split(settings.seed(), DatasetConfig.defaults().withImageSize(imageSize));
    Batches batches =
        new Batches(
            splits,
            new ClipImageProcessor(ImageProcessorConfig.clipDefaults(imageSize)),
            imageSize,
            settings.batch());
    this.loop = new TrainingLoop(batches, this.log);
    this.probe = new HeldOutProbe(batches, this.log, settings.probeExamples());
  }

  public List<StageResult> results() {
    return reports.stream().map(StageReport::result).toList();
  }

  /** Every finished stage's curves, as {@link TrainingCurves#FILE} draws them. */
  public List<TrainingCurves.Stage> curves() {
    return reports.stream().map(StageReport::curves).toList();
  }

  /**
   * Trains every stage and writes the model to {@code out} (and the blind baseline to out/blind).
   */
  public void run(Path out) {
    long start = System.nanoTime();
    Engine.getInstance().setRandomSeed((int) settings.seed());
    List<StageReport> done = new ArrayList<>();
    try (NDManager root = NDManager.newBaseManager()) {
      LanguageStage.Trained language = new LanguageStage(settings, loop, probe).train(root);
      done.add(language.report());
      VisionStage.Trained vision = new VisionStage(settings, loop).train(root, language.weights());
      done.add(vision.report());
      ProjectorStage projector = new ProjectorStage(settings, loop, probe, log);
      for (ProjectorStage.Run run : projectorRuns(out)) {
        done.add(projector.train(root, vision, language.weights(), run));
      }
    }
    reports = List.copyOf(done);
    double seconds = (System.nanoTime() - start) / 1e9;
    writeReport(out, seconds);
    log.line(
        "wrote %s (loss and accuracy curves of every stage)", TrainingCurves.write(out, curves()));
    log.line("trained in %.1f s; model in %s", seconds, out);
  }

  /** The chosen projector into out, the other kind beside it with --compare, the blind one last. */
  private List<ProjectorStage.Run> projectorRuns(Path out) {
    List<ProjectorStage.Run> runs = new ArrayList<>();
    runs.add(new ProjectorStage.Run(settings.projector(), false, settings.projectorSteps(), out));
    if (settings.compare()) {
      LlavaSpec.Projector other =
          settings.projector() == LlavaSpec.Projector.LINEAR
              ? LlavaSpec.Projector.MLP
              : LlavaSpec.Projector.LINEAR;
      runs.add(
          new ProjectorStage.Run(
              other,
              false,
              settings.projectorSteps(),
              out.resolve(other.name().toLowerCase(Locale.ROOT))));
    }
    runs.add(ProjectorStage.Run.blind(settings.blindSteps(), out.resolve("blind")));
    return runs;
  }

  private void writeReport(Path out, double seconds) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("seed", settings.seed());
    root.put("batch", settings.batch());
    root.put("seconds", Math.round(seconds * 10) / 10.0);
    ArrayNode stages = root.putArray("stages");
    for (StageReport report : reports) {
      StageResult r = report.result();
      ObjectNode n = stages.addObject();
      n.put("name", r.name());
      n.put("steps", r.steps());
      n.put("first_loss", r.firstLoss());
      n.put("last_loss", r.lastLoss());
      n.put("last_accuracy", r.lastAccuracy());
      n.put("seconds", Math.round(r.seconds() * 10) / 10.0);
      report
          .heldOut()
          .ifPresent(
              p -> {
                ObjectNode held = n.putObject("held_out_accuracy");
                p.forEach((k, v) -> held.put(k, Math.round(v * 1000) / 1000.0));
              });
    }
    try {
      json.writerWithDefaultPrettyPrinter()
          .writeValue(out.resolve("train_report.json").toFile(), root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
