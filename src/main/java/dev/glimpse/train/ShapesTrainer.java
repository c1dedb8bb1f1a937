package dev.glimpse.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.model.checkpoint.TensorDType;
import dev.glimpse.model.image.ClipImageProcessor;
import dev.glimpse.model.image.ImageProcessorConfig;
import dev.glimpse.train.shapes.DatasetConfig;
import dev.glimpse.train.shapes.Example;
import dev.glimpse.train.shapes.Scene;
import dev.glimpse.train.shapes.ShapesDataset;
import dev.glimpse.train.shapes.ShapesVocabulary;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * Trains the built-in shapes-world model with the LiMBeR recipe, in three stages:
 *
 * <ol>
 *   <li><b>vision</b>: a small CLIP ViT learns, at each patch token, to name the bag of words of
 *       the {@link SceneSlots} description at that position (through a linear head into the
 *       language model's embedding space, which the linear projector starts from);
 *   <li><b>language</b>: a small LLaMA learns, from text alone, to answer and caption when the
 *       image slot holds that description, each token the sum of its words' embeddings (loss on
 *       the answer tokens); it is trained first, as the vision stage aims at its embeddings;
 *   <li><b>projector</b>: with both frozen, one linear map (or LLaVA-1.5's MLP) from patch
 *       features into the LM's embedding space, trained on image–answer pairs, loss on the answer
 *       tokens only; and a <b>blind</b> baseline, the same projector fed zeros instead of features.
 * </ol>
 *
 * Everything is seeded: the same seed and settings give the same model on the same machine.
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
      return new Settings(seed, 48, 6000, 5000, 800, 200, 2e-3, 3e-4, 5e-3,
          LlavaSpec.Projector.LINEAR, false, TensorDType.F16, 1920);
    }

    public Settings withSteps(int vision, int language, int projector, int blind) {
      return new Settings(seed, batch, vision, language, projector, blind, visionLr, languageLr, projectorLr,
          this.projector, compare, storedAs, probeExamples);
    }

    public Settings withProjector(LlavaSpec.Projector p, boolean compareOther) {
      return new Settings(seed, batch, visionSteps, languageSteps, projectorSteps, blindSteps, visionLr,
          languageLr, projectorLr, p, compareOther, storedAs, probeExamples);
    }

    public Settings withBatch(int b) {
      return new Settings(seed, b, visionSteps, languageSteps, projectorSteps, blindSteps, visionLr, languageLr,
          projectorLr, projector, compare, storedAs, probeExamples);
    }

    /** How many held-out examples the probes after each stage score (0: none). */
    public Settings withProbeExamples(int n) {
      return new Settings(seed, batch, visionSteps, languageSteps, projectorSteps, blindSteps, visionLr, languageLr,
          projectorLr, projector, compare, storedAs, n);
    }
  }

  /** What one stage did. */
  public record StageResult(String name, int steps, double firstLoss, double lastLoss, double lastAccuracy,
      double seconds) {}

  /** The architecture of the built-in model (16 image tokens, 54-word vocabulary). */
  public static LlavaSpec spec(LlavaSpec.Projector projector) {
    return new LlavaSpec(
        new LlavaSpec.Vision(96, 4, 4, 384, 64, 16),
        new LlavaSpec.Text(128, 4, 8, 8, 384, ShapesVocabulary.SHAPES.size(), 128, 10000.0, 16),
        List.of(-1), false, projector, true, ShapesVocabulary.IMAGE_ID, TensorDType.F32, 1);
  }

  /** Where the image tokens start: after {@code <s> USER :}. */
  static final int IMAGE_START = 3;

  private static final long VISION_OFFSET = 0;
  private static final long LANGUAGE_OFFSET = 1L << 40;
  private static final long PROJECTOR_OFFSET = 2L << 40;

  private final Settings settings;
  private final PrintWriter log;
  private final ShapesDataset train;
  private final ShapesDataset evaluation;
  private final Map<String, Map<String, Double>> probes = new LinkedHashMap<>();
  private final ClipImageProcessor processor;
  private final int imageSize;
  private final List<StageResult> results = new ArrayList<>();
  private final List<TrainingCurves.Stage> curves = new ArrayList<>();
  /** The longest the log stays silent: a line at least this often, whatever the step cadence. */
  private final long reportEveryNanos;
  private long lastLine = System.nanoTime();
  /** The vision stage's map into the embedding space: the linear projector starts from it. */
  private Map<String, float[]> projectorInit = Map.of();

  /** Noise added to the description's embeddings in language pretraining, relative to their RMS. */
  static final float SLOT_NOISE = 0.25f;

  /** How often at the least {@code train} says where it is (a stage's step lines, the probes). */
  public static final Duration REPORT_EVERY = Duration.ofSeconds(10);

  public ShapesTrainer(Settings settings, PrintWriter log) {
    this(settings, log, REPORT_EVERY);
  }

  /**
   * @param reportEvery the longest the log stays silent: with steps of ~0.15 s, a line every tenth
   *     of a stage (at most 100 steps) still left 15 s gaps, and the probes a minute
   */
  public ShapesTrainer(Settings settings, PrintWriter log, Duration reportEvery) {
    this.settings = settings;
    this.log = log;
    this.reportEveryNanos = reportEvery.toNanos();
    LlavaSpec spec = spec(settings.projector());
    this.imageSize = spec.vision().imageSize();
    DatasetConfig config = DatasetConfig.defaults().withImageSize(imageSize);
    ShapesDataset.Splits splits = ShapesDataset.split(settings.seed(), config);
    this.train = splits.train();
    this.evaluation = splits.evaluation();
    this.processor = new ClipImageProcessor(ImageProcessorConfig.clipDefaults(imageSize));
  }

  public List<StageResult> results() {
    return List.copyOf(results);
  }

  /** Every finished stage's curves, as {@link TrainingCurves#FILE} draws them. */
  public List<TrainingCurves.Stage> curves() {
    return List.copyOf(curves);
  }

  /** Whether the log has been silent for {@link #reportEveryNanos}. */
  private boolean silentTooLong() {
    return System.nanoTime() - lastLine >= reportEveryNanos;
  }

  private void logged() {
    log.flush();
    lastLine = System.nanoTime();
  }

  /** Trains every stage and writes the model to {@code out} (and the blind baseline to out/blind). */
  public void run(Path out) {
    long start = System.nanoTime();
    Engine.getInstance().setRandomSeed((int) settings.seed());
    try (NDManager root = NDManager.newBaseManager()) {
      Map<String, float[]> language = pretrainLanguage(root);
      Map<String, float[]> vision = pretrainVision(root, language);
      List<LlavaSpec.Projector> kinds = new ArrayList<>(List.of(settings.projector()));
      if (settings.compare()) {
        kinds.add(settings.projector() == LlavaSpec.Projector.LINEAR ? LlavaSpec.Projector.MLP
            : LlavaSpec.Projector.LINEAR);
      }
      for (int i = 0; i < kinds.size(); i++) {
        LlavaSpec.Projector kind = kinds.get(i);
        Path dir = i == 0 ? out : out.resolve(kind.name().toLowerCase(java.util.Locale.ROOT));
        trainProjector(root, vision, language, kind, false, settings.projectorSteps(), dir);
      }
      trainProjector(root, vision, language, LlavaSpec.Projector.LINEAR, true, settings.blindSteps(),
          out.resolve("blind"));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    writeReport(out, seconds);
    log.printf("wrote %s (loss and accuracy curves of every stage)%n", TrainingCurves.write(out, curves));
    log.printf("trained in %.1f s; model in %s%n", seconds, out);
    log.flush();
  }

  // ---------------------------------------------------------------------------------------------
  // Batches

  /** One batch of examples with their pixels, built off the training thread. */
  private record Batch(List<Example> examples, float[] pixels) {}

  private Batch batch(ShapesDataset source, long offset, int step, boolean withPixels) {
    return batch(source, offset + (long) step * settings.batch(), withPixels);
  }

  /** Examples {@code from}, {@code from + 1}, ... of a dataset, one batch of them. */
  private Batch batch(ShapesDataset source, long from, boolean withPixels) {
    int b = settings.batch();
    List<Example> examples = IntStream.range(0, b).parallel()
        .mapToObj(i -> source.example(from + i)).toList();
    float[] pixels = null;
    if (withPixels) {
      int per = 3 * imageSize * imageSize;
      pixels = new float[b * per];
      for (int i = 0; i < b; i++) {
        System.arraycopy(processor.preprocess(examples.get(i).image()), 0, pixels, i * per, per);
      }
    }
    return new Batch(examples, pixels);
  }

  private CompletableFuture<Batch> prefetch(long offset, int step, boolean withPixels) {
    return CompletableFuture.supplyAsync(() -> batch(train, offset, step, withPixels));
  }

  /**
   * Token rows of a batch: prompt with {@code <pad>} in the image slot, then the target; with the
   * slot's description as a multi-hot over the vocabulary ({@link SceneSlots#multiHot}) when the
   * language model reads text alone, else null.
   */
  private record Sequences(long[] ids, int rows, int length, int[][] targets, boolean[][] counted,
      float[] described) {}

  private static Sequences sequences(List<Example> examples, int slots, boolean describe) {
    ShapesVocabulary v = ShapesVocabulary.SHAPES;
    List<int[]> rows = new ArrayList<>();
    List<Integer> promptLengths = new ArrayList<>();
    int length = 0;
    for (Example e : examples) {
      int[] prompt = v.encode(e.prompt(), true);
      int[] target = v.encode(e.target(), false);
      int[] row = new int[prompt.length - 1 + slots + target.length];
      int k = 0;
      for (int id : prompt) {
        if (id == ShapesVocabulary.IMAGE_ID) {
          for (int i = 0; i < slots; i++) {
            row[k++] = ShapesVocabulary.PAD_ID;
          }
        } else {
          row[k++] = id;
        }
      }
      promptLengths.add(k);
      for (int id : target) {
        row[k++] = id;
      }
      rows.add(row);
      length = Math.max(length, row.length);
    }
    int b = rows.size();
    long[] ids = new long[b * length];
    int[][] targets = new int[b][length];
    boolean[][] counted = new boolean[b][length];
    for (int r = 0; r < b; r++) {
      int[] row = rows.get(r);
      for (int i = 0; i < length; i++) {
        ids[r * length + i] = i < row.length ? row[i] : ShapesVocabulary.PAD_ID;
        if (i + 1 < row.length) {
          targets[r][i] = row[i + 1];
          counted[r][i] = i + 1 >= promptLengths.get(r);
        }
      }
    }
    float[] described = describe
        ? SceneSlots.multiHot(examples.stream().map(e -> SceneSlots.bags(e.scene(), slots)).toArray(int[][][]::new),
            v.size())
        : null;
    return new Sequences(ids, b, length, targets, counted, described);
  }

  /** The argmax over the vocabulary at every position, (rows × length). */
  private static float[] argmax(NDArray logits) {
    return logits.argMax(-1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
  }

  /** Fraction of counted positions whose argmax is the target. */
  private static double accuracy(NDArray logits, int[][] targets, boolean[][] counted) {
    float[] argmax = argmax(logits);
    int t = targets[0].length;
    int n = 0;
    int right = 0;
    for (int r = 0; r < targets.length; r++) {
      for (int i = 0; i < t; i++) {
        if (counted[r][i]) {
          n++;
          right += (int) argmax[r * t + i] == targets[r][i] ? 1 : 0;
        }
      }
    }
    return n == 0 ? 0 : right / (double) n;
  }

  /** Fraction of positions whose top-k words, for a bag of k, are exactly the bag. */
  private static double bagAccuracy(NDArray logits, int[][][] bags) {
    float[] l = logits.toFloatArray();
    int vocab = (int) logits.getShape().get(2);
    int n = 0;
    int right = 0;
    for (int r = 0; r < bags.length; r++) {
      for (int i = 0; i < bags[r].length; i++) {
        int offset = (r * bags[r].length + i) * vocab;
        float lowest = Float.POSITIVE_INFINITY;
        for (int id : bags[r][i]) {
          lowest = Math.min(lowest, l[offset + id]);
        }
        int above = 0;
        for (int w = 0; w < vocab; w++) {
          above += l[offset + w] >= lowest ? 1 : 0;
        }
        n++;
        right += above == bags[r][i].length ? 1 : 0;
      }
    }
    return right / (double) n;
  }

  /**
   * Teacher-forced accuracy per example kind on {@link Settings#probeExamples} held-out examples of
   * the trainer's own evaluation split: an example counts as right when
   * the argmax at every one of its answer tokens is the target (for a one-word answer, what greedy
   * decoding would answer). Keys are {@code caption}, the question types in lower case and {@code
   * moderation}, each also split by the scene's number of shapes ({@code color/2}): a lookup the
   * model has not learned shows as right on one shape and at chance on two or three.
   *
   * @param argmaxOf the argmax of a batch's logits over the vocabulary, (rows × length)
   */
  private void probe(String stage, boolean withPixels,
      java.util.function.BiFunction<Batch, Sequences, float[]> argmaxOf, int slots, boolean describe) {
    Map<String, int[]> tally = new java.util.TreeMap<>();
    int b = settings.batch();
    for (int start = 0; start < settings.probeExamples(); start += b) {
      if (silentTooLong()) {
        log.printf("[%s] held-out probe: %d/%d examples%n", stage, start, settings.probeExamples());
        logged();
      }
      Batch batch = batch(evaluation, start, withPixels);
      List<Example> examples = batch.examples();
      Sequences seq = sequences(examples, slots, describe);
      float[] argmax = argmaxOf.apply(batch, seq);
      int t = seq.length();
      for (int r = 0; r < seq.rows(); r++) {
        boolean right = true;
        for (int i = 0; i < t; i++) {
          if (seq.counted()[r][i] && (int) argmax[r * t + i] != seq.targets()[r][i]) {
            right = false;
          }
        }
        Example e = examples.get(r);
        String key = switch (e.kind()) {
          case CAPTION -> "caption";
          case QUESTION -> e.questionType().name().toLowerCase(java.util.Locale.ROOT);
          case MODERATION -> "moderation";
        };
        for (String k : List.of(key, key + "/" + e.scene().count())) {
          int[] c = tally.computeIfAbsent(k, x -> new int[2]);
          c[0] += right ? 1 : 0;
          c[1]++;
        }
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    StringBuilder line = new StringBuilder("[" + stage + "] held-out teacher-forced accuracy:");
    tally.forEach((k, c) -> {
      out.put(k, c[0] / (double) c[1]);
      if (!k.contains("/")) {
        line.append(String.format(java.util.Locale.ROOT, " %s %.3f (%d)", k, c[0] / (double) c[1], c[1]));
      }
    });
    log.println(line);
    logged();
    probes.put(stage, out);
  }

  // ---------------------------------------------------------------------------------------------
  // Stage 1: the vision tower

  /**
   * The vision tower learns to name each image token's bag of words ({@link SceneSlots}) through
   * a linear map into the (frozen, pretrained) language model's embedding space, scored against
   * the word embeddings: a cross-entropy over the vocabulary with the embeddings as classifier and
   * the bag's words as an even target, plus the squared distance to the sum of their embeddings.
   * That map is the linear projector's starting point.
   */
  Map<String, float[]> pretrainVision(NDManager root, Map<String, float[]> language) {
    LlavaSpec spec = spec(settings.projector());
    try (TrainableLlava model = new TrainableLlava(spec, root, language, settings.seed() ^ 0x51)) {
      int vocab = spec.text().vocab();
      int h = spec.vision().hidden();
      int th = spec.text().hidden();
      int slots = spec.imageSeqLength();
      NDArray table = model.weight(CheckpointKeys.EMBED_TOKENS);
      float meanSquare = table.square().mean().getFloat();
      float logitScale = (float) (1 / (meanSquare * Math.sqrt(th)));
      Map<String, NDArray> trainable = new LinkedHashMap<>(model.weights(CheckpointKeys.VISION));
      trainable.keySet().removeIf(k -> k.startsWith(CheckpointKeys.POST_LAYER_NORM));
      NDArray headW = model.manager().randomNormal(0, 0.02f, new Shape(h, th), ai.djl.ndarray.types.DataType.FLOAT32);
      NDArray headB = model.manager().zeros(new Shape(th));
      trainable.put("head.weight", headW);
      trainable.put("head.bias", headB);
      // deep supervision: from a middle layer, each patch names the shape centred in it
      NDArray localW = model.manager().randomNormal(0, 0.02f, new Shape(h, 3 * vocab),
          ai.djl.ndarray.types.DataType.FLOAT32);
      NDArray localB = model.manager().zeros(new Shape(3 * vocab));
      trainable.put("local.weight", localW);
      trainable.put("local.bias", localB);
      int localLayer = Math.max(1, model.featureDepth() / 2);
      AdamW adam = AdamW.defaults(trainable);
      List<NDArray> extra = new ArrayList<>(adam.state());
      extra.addAll(List.of(headW, headB, localW, localB));
      Progress progress = new Progress("vision", settings.visionSteps());
      CompletableFuture<Batch> next = prefetch(VISION_OFFSET, 0, true);
      for (int step = 0; step < settings.visionSteps(); step++) {
        Batch batch = next.join();
        if (step + 1 < settings.visionSteps()) {
          next = prefetch(VISION_OFFSET, step + 1, true);
        }
        int b = batch.examples().size();
        int[][][] bags = new int[b][][];
        int[][] local = new int[b * 3][];
        boolean[][] localCounted = new boolean[b * 3][slots];
        for (int r = 0; r < b; r++) {
          Scene scene = batch.examples().get(r).scene();
          bags[r] = SceneSlots.bags(scene, slots);
          int[][] l = SceneSlots.centred(scene, spec.vision().imageSize() / spec.vision().patchSize());
          for (int a = 0; a < 3; a++) {
            local[r * 3 + a] = l[a];
            java.util.Arrays.fill(localCounted[r * 3 + a], true);
          }
        }
        try (NDManager s = model.step(extra)) {
          NDArray pixels = s.create(batch.pixels(), new Shape(b, 3, imageSize, imageSize));
          NDArray loss;
          NDArray logits;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            List<NDArray> states = model.visionStates(pixels, model.featureDepth());
            NDArray projected = states.get(states.size() - 1).get(":, 1:, :").matMul(headW).add(headB);
            logits = projected.matMul(table.transpose()).mul(logitScale);
            NDArray wanted = s.create(SceneSlots.multiHot(bags, vocab), new Shape(b, slots, vocab)).matMul(table);
            NDArray distance = projected.sub(wanted).square().mean().div(meanSquare);
            NDArray localLogits = states.get(localLayer).get(":, 1:, :").matMul(localW).add(localB)
                .reshape(b, slots, 3, vocab).transpose(0, 2, 1, 3).reshape(b * 3, slots, vocab);
            loss = TrainableLlava.bagLoss(logits, bags).add(distance)
                .add(TrainableLlava.loss(localLogits, local, localCounted));
            gc.backward(loss);
          }
          adam.step(AdamW.schedule(settings.visionLr(), step, settings.visionSteps(), warmup(settings.visionSteps())));
          progress.step(step, loss.getFloat(), progress.due(step) ? bagAccuracy(logits, bags) : -1, b);
        }
      }
      results.add(progress.result());
      projectorInit = Map.of(
          CheckpointKeys.weight(CheckpointKeys.projectorLinear(1)), headW.transpose().toFloatArray(),
          CheckpointKeys.bias(CheckpointKeys.projectorLinear(1)), headB.toFloatArray());
      return model.values(CheckpointKeys.VISION);
    }
  }

  private static int warmup(int steps) {
    return Math.max(1, Math.min(100, steps / 10));
  }

  // ---------------------------------------------------------------------------------------------
  // Stage 2: the language model, on text alone

  Map<String, float[]> pretrainLanguage(NDManager root) {
    LlavaSpec spec = spec(settings.projector());
    try (TrainableLlava model = new TrainableLlava(spec, root, Map.of(), settings.seed() ^ 0x7E)) {
      AdamW adam = AdamW.defaults(model.weights(CheckpointKeys.TEXT));
      Progress progress = new Progress("language", settings.languageSteps());
      CompletableFuture<Batch> next = prefetch(LANGUAGE_OFFSET, 0, false);
      for (int step = 0; step < settings.languageSteps(); step++) {
        Batch batch = next.join();
        if (step + 1 < settings.languageSteps()) {
          next = prefetch(LANGUAGE_OFFSET, step + 1, false);
        }
        Sequences seq = sequences(batch.examples(), spec.imageSeqLength(), true);
        try (NDManager s = model.step(adam.state())) {
          NDArray ids = s.create(seq.ids(), new Shape(seq.rows(), seq.length()));
          NDArray loss;
          NDArray logits;
          NDArray table = model.weight(CheckpointKeys.EMBED_TOKENS);
          float rms = (float) Math.sqrt(table.square().mean().getFloat());
          int slots = spec.imageSeqLength();
          NDArray noise = s.randomNormal(0, SLOT_NOISE * rms, new Shape(seq.rows(), slots, spec.text().hidden()),
              ai.djl.ndarray.types.DataType.FLOAT32);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            logits = model.logits(describedEmbeds(model, ids, seq.described(), slots, noise));
            loss = TrainableLlava.exampleLoss(logits, seq.targets(), seq.counted());
            gc.backward(loss);
          }
          adam.step(AdamW.schedule(settings.languageLr(), step, settings.languageSteps(),
              warmup(settings.languageSteps())));
          progress.step(step, loss.getFloat(),
              progress.due(step) ? accuracy(logits, seq.targets(), seq.counted()) : -1, seq.rows());
        }
      }
      results.add(progress.result());
      probe("language", false, (batch, seq) -> {
        try (NDManager s = model.step(List.of())) {
          NDArray logits = model.logits(describedEmbeds(model, s.create(seq.ids(), new Shape(seq.rows(), seq.length())),
              seq.described(), spec.imageSeqLength(), null));
          return argmax(logits);
        }
      }, spec.imageSeqLength(), true);
      return model.values(CheckpointKeys.TEXT);
    }
  }

  /**
   * The embeddings of a row whose image slot holds the description (each token the sum of its
   * bag's word embeddings), with noise added to it in training: the LM learns to read a
   * description whose embeddings are not exact, as projected ones will not be.
   *
   * @param hot the description as a multi-hot, (rows × slots × vocab)
   */
  private static NDArray describedEmbeds(TrainableLlava model, NDArray ids, float[] hot, int slots,
      NDArray noise) {
    NDArray text = model.embed(ids);
    NDArray table = model.weight(CheckpointKeys.EMBED_TOKENS);
    long rows = ids.getShape().get(0);
    NDArray described = ids.getManager().create(hot, new Shape(rows, slots, table.getShape().get(0)))
        .matMul(table);
    if (noise != null) {
      described = described.add(noise);
    }
    return NDArrays.concat(new NDList(text.get(":, :{}, :", IMAGE_START), described,
        text.get(":, {}:, :", IMAGE_START + slots)), 1);
  }

  // ---------------------------------------------------------------------------------------------
  // Stage 3: the projector, encoder and language model frozen

  void trainProjector(NDManager root, Map<String, float[]> vision, Map<String, float[]> language,
      LlavaSpec.Projector kind, boolean blind, int steps, Path dir) {
    LlavaSpec spec = spec(kind);
    Map<String, float[]> frozen = new HashMap<>(vision);
    frozen.putAll(language);
    if (kind == LlavaSpec.Projector.LINEAR && !blind) {
      frozen.putAll(projectorInit);
    }
    try (TrainableLlava model = new TrainableLlava(spec, root, frozen, settings.seed() ^ 0xB0)) {
      AdamW adam = AdamW.defaults(model.weights(CheckpointKeys.PROJECTOR));
      String name = blind ? "blind" : "projector-" + kind.name().toLowerCase(java.util.Locale.ROOT);
      Progress progress = new Progress(name, steps);
      int slots = spec.imageSeqLength();
      CompletableFuture<Batch> next = prefetch(PROJECTOR_OFFSET, 0, !blind);
      for (int step = 0; step < steps; step++) {
        Batch batch = next.join();
        if (step + 1 < steps) {
          next = prefetch(PROJECTOR_OFFSET, step + 1, !blind);
        }
        Sequences seq = sequences(batch.examples(), slots, false);
        int b = seq.rows();
        try (NDManager s = model.step(adam.state())) {
          NDArray ids = s.create(seq.ids(), new Shape(b, seq.length()));
          NDArray features = features(model, s, batch, blind);
          NDArray loss;
          NDArray logits;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            logits = model.logits(model.inputsEmbeds(ids, model.project(features), IMAGE_START));
            loss = TrainableLlava.exampleLoss(logits, seq.targets(), seq.counted());
            gc.backward(loss);
          }
          adam.step(AdamW.schedule(settings.projectorLr(), step, steps, warmup(steps)));
          progress.step(step, loss.getFloat(),
              progress.due(step) ? accuracy(logits, seq.targets(), seq.counted()) : -1, b);
        }
      }
      results.add(progress.result());
      probe(name, !blind, (batch, seq) -> {
        try (NDManager s = model.step(List.of())) {
          NDArray ids = s.create(seq.ids(), new Shape(seq.rows(), seq.length()));
          NDArray logits = model.logits(model.inputsEmbeds(ids, model.project(features(model, s, batch, blind)),
              IMAGE_START));
          return argmax(logits);
        }
      }, slots, false);
      if (blind) {
        // the blind projector sees only zeros: its weight has no gradient; store it as zero
        model.weight(CheckpointKeys.weight(CheckpointKeys.projectorLinear(1))).muli(0);
      }
      writeCheckpoint(model, spec, dir);
    }
  }

  /** The frozen tower's patch features of a batch, or zeros for the blind baseline. */
  private NDArray features(TrainableLlava model, NDManager s, Batch batch, boolean blind) {
    LlavaSpec spec = model.spec();
    int n = batch.examples().size();
    return blind
        ? s.zeros(new Shape(n, spec.imageSeqLength(), spec.vision().hidden()))
        : model.visionFeatures(s.create(batch.pixels(), new Shape(n, 3, imageSize, imageSize)));
  }

  private void writeCheckpoint(TrainableLlava model, LlavaSpec spec, Path dir) {
    dev.glimpse.model.checkpoint.LlavaCheckpointWriter.write(dir,
        spec.withStorage(settings.storedAs(), 1), model.tensors());
    // the shapes world's own WordLevel tokenizer, in place of the writer's placeholder words
    for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
      try (InputStream in = ShapesTrainer.class.getResourceAsStream("/dev/glimpse/train/shapes/" + file)) {
        Files.copy(in, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    log.printf("wrote %s%n", dir);
    logged();
  }

  private void writeReport(Path out, double seconds) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("seed", settings.seed());
    root.put("batch", settings.batch());
    root.put("seconds", Math.round(seconds * 10) / 10.0);
    ArrayNode stages = root.putArray("stages");
    for (StageResult r : results) {
      ObjectNode n = stages.addObject();
      n.put("name", r.name());
      n.put("steps", r.steps());
      n.put("first_loss", r.firstLoss());
      n.put("last_loss", r.lastLoss());
      n.put("last_accuracy", r.lastAccuracy());
      n.put("seconds", Math.round(r.seconds() * 10) / 10.0);
      Map<String, Double> p = probes.get(r.name());
      if (p != null) {
        ObjectNode held = n.putObject("held_out_accuracy");
        p.forEach((k, v) -> held.put(k, Math.round(v * 1000) / 1000.0));
      }
    }
    try {
      json.writerWithDefaultPrettyPrinter().writeValue(out.resolve("train_report.json").toFile(), root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Progress lines on the log: step, smoothed loss, accuracy, examples per second, ETA. */
  private final class Progress {
    private final String stage;
    private final int steps;
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

    Progress(String stage, int steps) {
      this.stage = stage;
      this.steps = steps;
      this.every = Math.max(1, Math.min(100, steps / 10));
    }

    /**
     * Whether this step gets a line (and so its accuracy measured): every tenth of the stage (at
     * most every 100 steps), its last step, and any step after the log was silent too long.
     */
    boolean due(int step) {
      if (step != decidedStep) {
        decidedStep = step;
        decided = step % every == 0 || step == steps - 1 || silentTooLong();
      }
      return decided;
    }

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
        log.printf("[%s] step %d/%d loss %.4f acc %.3f %.0f ex/s eta %ds%n", stage, step + 1, steps, smoothed,
            accuracy, examples / seconds, Math.round(eta));
        logged();
      }
    }

    StageResult result() {
      curves.add(new TrainingCurves.Stage(stage, steps, lossCurve, accuracyCurve));
      return new StageResult(stage, steps, first, smoothed, accuracy, (System.nanoTime() - start) / 1e9);
    }
  }
}
