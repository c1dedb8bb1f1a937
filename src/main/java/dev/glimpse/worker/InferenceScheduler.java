package dev.glimpse.worker;

import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.Timings;
import dev.glimpse.model.ImageFeatures;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.model.generate.Candidates;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.model.generate.Generator;
import dev.glimpse.model.generate.ScoringRequest;
import dev.glimpse.model.generate.SharedPrefix;
import dev.glimpse.task.ResolvedTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns jobs (an image and its tasks) into outcomes on one model, on the model thread. An image
 * takes one road:
 *
 * <ol>
 *   <li>prepared once on the {@link Preparer} pool (decode, orient, CLIP preprocessing), unless the
 *       {@link FeatureCache} already holds its features;
 *   <li>encoded once: vision tower + projector, batched across images;
 *   <li>the prompt tokens all its tasks share (with LLaVA-1.5: {@code USER: }, the image, a new
 *       line) prefilled once into a {@link SharedPrefix}, batched across images; an image with one
 *       caption or answer and nothing else shares nothing, and goes to the decode stage with its
 *       whole prompt, prefilled as it joins the batch (with the other such images joining then);
 *   <li>moderation scored from that prefix, every category a short suffix, the images of a batch in
 *       one pass (as many as the KV budget takes); captions and answers go to the {@link
 *       DecodeStage}, which decodes them in a continuous batch on top of the prefix.
 * </ol>
 *
 * <p>Failures stay with what failed, and never stop the worker. An image that cannot be prepared
 * fails all its tasks. When encoding or prefilling a batch of images fails, each image is retried
 * alone, and an image that fails alone fails all its tasks. When scoring several images' moderation
 * together fails, each image's is scored alone, and where that fails, each task alone from its full
 * prompt; captions and answers are retried alone by the decode stage. Only what fails alone becomes
 * an {@link Outcome.Failed}.
 */
final class InferenceScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceScheduler.class);
  private static final List<String> YES_NO = List.of("yes", "no");

  /** Whether more jobs may come while the scheduler works on those it holds. */
  enum Arrivals {
    /**
     * A stream (the worker): the next poll may bring more images, so images short of a batch wait
     * up to max.wait for them.
     */
    OPEN,
    /** Every job is submitted before the first round (the engine): a short batch goes at once. */
    ALL_IN_HAND
  }

  /** Poll interval while images are only in preparation: short, so that ready work starts soon. */
  private static final long PREPARING_POLL_MILLIS = 5;

  private final VisionLanguageModel model;
  private final String modelId;
  private final WorkerConfig config;
  private final Arrivals arrivals;
  private final Generator generator;
  private final Preparer preparer;
  private final FeatureCache features;
  private final WorkerMetrics metrics;
  private final Set<Job> live = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Deque<ImageInFlight> toEncode = new ArrayDeque<>();
  private final Deque<ImageInFlight> toPrefill = new ArrayDeque<>();
  private final KvBudget kv;
  private final DecodeStage decode;

  InferenceScheduler(
      VisionLanguageModel model,
      String modelId,
      WorkerConfig config,
      Arrivals arrivals,
      WorkerMetrics metrics) {
    this.model = model;
    this.arrivals = arrivals;
    this.metrics = metrics;
    this.modelId = modelId;
    this.config = config;
    this.generator = model.generator();
    this.preparer = new Preparer(model::pixelValues, config.prepareThreads());
    this.features = new FeatureCache(config.budget().featureCacheBytes());
    this.kv = new KvBudget(model.config().text(), config.budget().kvCacheBytes());
    this.decode = new DecodeStage(kv, generator, config, metrics);
  }

  /** Accepts a job: its image is prepared off this thread, or found in the feature cache. */
  void submit(Job job) {
    live.add(job);
    ImageFeatures cached = features.get(FeatureCache.key(modelId, job.request().getImageSha256()));
    metrics.featureCache(cached != null);
    if (cached != null) {
      toPrefill.add(new ImageInFlight(job, null, cached, System.currentTimeMillis(), 0));
    } else {
      preparer.submit(job);
    }
  }

  /** Images on the preparation pool that are not ready yet. */
  int inPreparation() {
    return preparer.inPreparation();
  }

  /** Whether every job accepted has finished. */
  boolean isIdle() {
    return live.isEmpty();
  }

  /** Milliseconds until there is model work to do; 0 when there is some now. */
  long millisUntilWorkIsDue(long now) {
    if (!toPrefill.isEmpty()
        || toEncode.size() >= config.maxBatchSize()
        || (!toEncode.isEmpty() && !moreImagesMayCome())) {
      return 0;
    }
    long due = decode.millisUntilDue(now);
    if (!toEncode.isEmpty() && !fillsFromHand()) {
      due =
          Math.min(
              due,
              Math.max(0, toEncode.peekFirst().preparedMillis + config.maxWait().toMillis() - now));
    }
    if (preparer.pending() > 0) {
      due = Math.min(due, PREPARING_POLL_MILLIS);
    }
    return due;
  }

  /**
   * One round of model work: intake, encoding, prefixes and moderation, admissions, a decode step.
   */
  List<Outcome> runOnce() {
    List<Outcome> done = new ArrayList<>();
    intake(done);
    encode(done);
    prefill(done);
    decode.run(preparer.pending() == 0 && toEncode.isEmpty() && toPrefill.isEmpty(), done);
    done.forEach(o -> finished(o.task().job()));
    return done;
  }

  /** Drops every job that matches (lost partitions); none of them produces an outcome. */
  void abandon(Predicate<Job> which) {
    live.removeIf(which);
    toEncode.removeIf(i -> which.test(i.job));
    toPrefill.removeIf(i -> which.test(i.job));
    decode.abandon(which);
  }

  // 1. prepared images in; an image that cannot be prepared fails all its tasks
  private void intake(List<Outcome> done) {
    for (Preparer.Prepared p : preparer.drain()) {
      if (!live.contains(p.job())) {
        continue; // abandoned while it was being prepared
      }
      if (p.error() instanceof Error fatal) {
        throw fatal;
      }
      if (p.error() != null) {
        failAll(
            p.job(),
            ErrorCode.MODEL_ERROR,
            "the image could not be prepared: " + ModelFailures.message(p.error()),
            done);
      } else {
        toEncode.add(
            new ImageInFlight(p.job(), p.pixels(), null, System.currentTimeMillis(), p.millis()));
      }
    }
  }

  // 2. vision tower + projector once per image, batched across images
  private void encode(List<Outcome> done) {
    if (toEncode.isEmpty() || toPrefill.size() + decode.waiting() >= config.maxBatchSize()) {
      return; // enough encoded work waits: encode more when it has moved on
    }
    boolean full = toEncode.size() >= config.maxBatchSize();
    if (!full && decode.rowsTaken() && toEncode.stream().allMatch(ImageInFlight::decodes)) {
      return; // their captions and answers would wait for a free row: wait for more images too
    }
    boolean waitedEnough =
        !fillsFromHand()
            && System.currentTimeMillis() - toEncode.peekFirst().preparedMillis
                >= config.maxWait().toMillis();
    if (!full && moreImagesMayCome() && !waitedEnough) {
      return; // more images are being prepared, or may arrive: encode them together
    }
    encode(takeBatch(toEncode), done);
  }

  /**
   * Whether images may join those prepared before max.wait: some are in preparation, or the jobs
   * come from a stream. A burst from Kafka reaches the worker in chunks, one per transaction of
   * ingest's (every 100 ms): encoding the first chunk alone at once would start the model on a
   * short batch, and the rest of the burst would form short batches behind it.
   */
  private boolean moreImagesMayCome() {
    return preparer.pending() > 0 || arrivals == Arrivals.OPEN;
  }

  /**
   * Whether the images in hand, prepared or in preparation, fill a batch: then they are waited for
   * however long their preparation takes (milliseconds each), and max.wait bounds only the wait for
   * images that may never come.
   */
  private boolean fillsFromHand() {
    return toEncode.size() + preparer.pending() >= config.maxBatchSize();
  }

  private void encode(List<ImageInFlight> images, List<Outcome> done) {
    long start = System.currentTimeMillis();
    long startNanos = System.nanoTime();
    try {
      List<ImageFeatures> encoded = model.encodeImages(images.stream().map(i -> i.pixels).toList());
      metrics.vision(System.nanoTime() - startNanos);
      long millis = System.currentTimeMillis() - start;
      for (int i = 0; i < images.size(); i++) {
        ImageInFlight image = images.get(i);
        image.features = encoded.get(i);
        image.pixels = null;
        image.encodeMillis = millis;
        features.put(
            FeatureCache.key(modelId, image.job.request().getImageSha256()), image.features);
        toPrefill.add(image);
      }
    } catch (RuntimeException e) {
      if (images.size() == 1) {
        failAll(images.get(0).job, ErrorCode.MODEL_ERROR, ModelFailures.describe(e), done);
        return;
      }
      LOG.warn(
          "encoding {} images together failed ({}); encoding each alone",
          images.size(),
          e.toString());
      images.forEach(i -> encode(List.of(i), done));
    }
  }

  // 3. each image's shared prefix prefilled once; moderation scored from it; captions and answers
  // queued to decode
  private void prefill(List<Outcome> done) {
    if (toPrefill.isEmpty() || decode.waiting() >= config.maxBatchSize()) {
      return; // prefixes hold KV memory until their tasks join: make no more than the batch takes
    }
    List<ImageInFlight> shared = new ArrayList<>();
    List<Prompts> prompts = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (ImageInFlight image : takeBatch(toPrefill)) {
      Prompts p = prompts(image);
      if (p.moderations().isEmpty() && p.generations().size() == 1) {
        // one caption or answer shares nothing: its whole prompt is prefilled as it joins
        p.generations().forEach((task, request) -> decode.queue(task, request, null, image, now));
      } else {
        shared.add(image);
        prompts.add(p);
      }
    }
    prefill(shared, prompts, done);
  }

  private void prefill(List<ImageInFlight> images, List<Prompts> prompts, List<Outcome> done) {
    if (images.isEmpty()) {
      return;
    }
    long start = System.currentTimeMillis();
    List<SharedPrefix> prefixes;
    long startNanos = System.nanoTime();
    try {
      prefixes =
          generator.prefill(
              prompts.stream().map(Prompts::prefixIds).toList(),
              images.stream().map(i -> List.of(i.features)).toList());
      metrics.prefixPrefill(System.nanoTime() - startNanos);
    } catch (RuntimeException e) {
      if (images.size() == 1) {
        failAll(images.get(0).job, ErrorCode.MODEL_ERROR, ModelFailures.describe(e), done);
        return;
      }
      LOG.warn(
          "prefilling {} image prefixes together failed ({}); prefilling each alone",
          images.size(),
          e.toString());
      for (int i = 0; i < images.size(); i++) {
        prefill(List.of(images.get(i)), List.of(prompts.get(i)), done);
      }
      return;
    }
    long prefixMillis = System.currentTimeMillis() - start;
    List<HeldPrefix> held = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      images.get(i).encodeMillis += prefixMillis;
      held.add(new HeldPrefix(prefixes.get(i), prompts.get(i).generations().size() + 1));
    }
    score(images, prompts, held, done);
    long now = System.currentTimeMillis();
    for (int i = 0; i < images.size(); i++) {
      for (Map.Entry<Job.Task, GenerationRequest> g : prompts.get(i).generations().entrySet()) {
        decode.queue(g.getKey(), g.getValue(), held.get(i), images.get(i), now);
      }
      held.get(i).release(); // this method's own use
    }
  }

  /** The prompts of every task of an image, and the part they all share. */
  private record Prompts(
      int[] prefixIds,
      Map<Job.Task, GenerationRequest> generations,
      Map<Job.Task, List<ScoringRequest>> moderations) {}

  private Prompts prompts(ImageInFlight image) {
    Map<Job.Task, GenerationRequest> generations = new LinkedHashMap<>();
    Map<Job.Task, List<ScoringRequest>> moderations = new LinkedHashMap<>();
    List<int[]> all = new ArrayList<>();
    for (Job.Task task : image.job.tasks()) {
      if (task.resolved() instanceof ResolvedTask.Moderation m) {
        List<ScoringRequest> requests = new ArrayList<>();
        for (String category : m.categories()) {
          ScoringRequest r =
              model.scoringRequest(
                  model.questionPrompt(ResolvedTask.Moderation.question(category)),
                  List.of(image.features),
                  YES_NO);
          requests.add(r);
          all.add(r.promptIds());
        }
        moderations.put(task, requests);
      } else if (task.resolved() instanceof ResolvedTask.Generative g) {
        GenerationRequest r =
            GenerationRequest.ofFeatures(
                model.encodePrompt(model.questionPrompt(g.question())),
                List.of(image.features),
                g.options());
        generations.put(task, r);
        all.add(r.promptIds());
      }
    }
    int shared = SharedPrefix.commonLength(all);
    return new Prompts(Arrays.copyOf(all.get(0), shared), generations, moderations);
  }

  /**
   * The moderation of a group of images, each category's prompt a suffix on its image's prefix: the
   * images whose prefixes have one length (the same template and tasks give the same length) are
   * scored together, in passes as large as {@code glimpse.worker.kv.cache.max.bytes} takes. An
   * image whose moderation alone is over that budget has each of its tasks scored alone.
   */
  private void score(
      List<ImageInFlight> images,
      List<Prompts> prompts,
      List<HeldPrefix> prefixes,
      List<Outcome> done) {
    Map<Integer, List<Moderated>> byLength = new TreeMap<>();
    for (int i = 0; i < images.size(); i++) {
      if (!prompts.get(i).moderations().isEmpty()) {
        SharedPrefix prefix = prefixes.get(i).prefix;
        byLength
            .computeIfAbsent(prefix.length(), length -> new ArrayList<>())
            .add(new Moderated(images.get(i), prompts.get(i).moderations(), prefix));
      }
    }
    for (List<Moderated> group : byLength.values()) {
      List<Moderated> pass = new ArrayList<>();
      for (Moderated m : group) {
        if (!kv.fits(m.rows(), m.positions())) {
          m.tasks().forEach((task, requests) -> scoreAlone(task, requests, m.image(), done));
          continue;
        }
        List<Moderated> wider = new ArrayList<>(pass);
        wider.add(m);
        if (!kv.fits(passRows(wider), passPositions(wider))) {
          score(pass, done);
          wider = new ArrayList<>(List.of(m));
        }
        pass = wider;
      }
      if (!pass.isEmpty()) {
        score(pass, done);
      }
    }
  }

  /** One image's moderation tasks, their category prompts, and the prefix they continue. */
  private record Moderated(
      ImageInFlight image, Map<Job.Task, List<ScoringRequest>> tasks, SharedPrefix prefix) {
    List<ScoringRequest> requests() {
      return tasks.values().stream().flatMap(List::stream).toList();
    }

    /** Rows of its scoring pass ({@link Generator#scoreOn}). */
    int rows() {
      return rowsOf(requests());
    }

    /** Positions of each row: the prefix and the longest suffix. */
    int positions() {
      return positionsOf(requests());
    }
  }

  private static int passRows(List<Moderated> pass) {
    return pass.stream().mapToInt(Moderated::rows).sum();
  }

  private static int passPositions(List<Moderated> pass) {
    return pass.stream().mapToInt(Moderated::positions).max().orElse(0);
  }

  /** A pass's rows: one per prompt whose candidates are single tokens, else one per candidate. */
  static int rowsOf(List<ScoringRequest> requests) {
    return requests.stream()
        .mapToInt(
            r -> r.candidateIds().stream().allMatch(c -> c.length == 1) ? 1 : r.candidates().size())
        .sum();
  }

  /** A pass's positions: the longest prompt, and its longest candidate where that is scored too. */
  static int positionsOf(List<ScoringRequest> requests) {
    return requests.stream()
        .mapToInt(
            r -> {
              int longest = r.candidateIds().stream().mapToInt(c -> c.length).max().orElse(1);
              return r.promptIds().length + (longest == 1 ? 0 : longest);
            })
        .max()
        .orElse(0);
  }

  /**
   * Scores the moderation of {@code pass}'s images in one forward pass. Where it fails, each image
   * is scored alone, and where one image fails alone, each of its tasks alone from its full prompt:
   * only a task that fails alone becomes an {@link Outcome.Failed}.
   */
  private void score(List<Moderated> pass, List<Outcome> done) {
    long start = System.currentTimeMillis();
    List<SharedPrefix> rowPrefixes = new ArrayList<>();
    List<ScoringRequest> all = new ArrayList<>();
    for (Moderated m : pass) {
      for (ScoringRequest request : m.requests()) {
        all.add(request);
        rowPrefixes.add(m.prefix());
      }
    }
    List<Candidates> results;
    long startNanos = System.nanoTime();
    try {
      results = generator.scoreOn(rowPrefixes, all);
      metrics.moderationPrefill(System.nanoTime() - startNanos);
    } catch (RuntimeException e) {
      if (pass.size() > 1) {
        LOG.warn(
            "scoring the moderation of {} images together failed ({}); scoring each image's alone",
            pass.size(),
            e.toString());
        pass.forEach(m -> score(List.of(m), done));
      } else {
        Moderated m = pass.get(0);
        LOG.warn(
            "scoring {} moderation tasks from one prefix failed ({}); scoring each alone",
            m.tasks().size(),
            e.toString());
        m.tasks().forEach((task, requests) -> scoreAlone(task, requests, m.image(), done));
      }
      return;
    }
    long now = System.currentTimeMillis();
    int k = 0;
    for (Moderated m : pass) {
      for (Map.Entry<Job.Task, List<ScoringRequest>> task : m.tasks().entrySet()) {
        List<Candidates> mine = results.subList(k, k + task.getValue().size());
        k += task.getValue().size();
        done.add(scores(task.getKey(), mine, m.image(), start, now));
      }
    }
  }

  /**
   * One moderation task from its full prompts; one whose pass is over the KV budget fails with
   * {@code OVER_MEMORY_BUDGET}, one that fails with {@code MODEL_ERROR}.
   */
  private void scoreAlone(
      Job.Task task, List<ScoringRequest> requests, ImageInFlight image, List<Outcome> done) {
    long bytes = kv.bytes(rowsOf(requests), positionsOf(requests));
    if (bytes > kv.maxBytes()) {
      done.add(
          new Outcome.Failed(
              task,
              ErrorCode.OVER_MEMORY_BUDGET,
              "scoring this moderation task needs a KV cache of "
                  + bytes
                  + " bytes, over glimpse.worker.kv.cache.max.bytes = "
                  + kv.maxBytes()
                  + "; raise that setting or ask for fewer categories"));
      return;
    }
    long start = System.currentTimeMillis();
    try {
      done.add(scores(task, generator.score(requests), image, start, System.currentTimeMillis()));
    } catch (RuntimeException e) {
      done.add(new Outcome.Failed(task, ErrorCode.MODEL_ERROR, ModelFailures.describe(e)));
    }
  }

  private Outcome.Scores scores(
      Job.Task task, List<Candidates> results, ImageInFlight image, long start, long now) {
    List<String> categories = ((ResolvedTask.Moderation) task.resolved()).categories();
    Map<String, Double> scores = new LinkedHashMap<>();
    for (int c = 0; c < categories.size(); c++) {
      scores.put(categories.get(c), results.get(c).probability("yes"));
    }
    long enqueued = task.job().request().getEnqueuedAt().toEpochMilli();
    return new Outcome.Scores(
        task,
        scores,
        new Timings(
            Math.max(0, image.preparedMillis - image.prepareMillis - enqueued),
            image.prepareMillis + image.encodeMillis,
            now - start,
            Math.max(0, now - enqueued)));
  }

  /** Up to a batch of images from the front of a stage's queue. */
  private List<ImageInFlight> takeBatch(Deque<ImageInFlight> queue) {
    List<ImageInFlight> images = new ArrayList<>();
    while (!queue.isEmpty() && images.size() < config.maxBatchSize()) {
      images.add(queue.pollFirst());
    }
    return images;
  }

  private void failAll(Job job, ErrorCode code, String message, List<Outcome> done) {
    job.tasks().forEach(t -> done.add(new Outcome.Failed(t, code, message)));
  }

  /** A job leaves the live set once none of its tasks is anywhere in the scheduler. */
  private void finished(Job job) {
    boolean busy =
        toEncode.stream().anyMatch(i -> i.job == job)
            || toPrefill.stream().anyMatch(i -> i.job == job)
            || decode.holds(job);
    if (!busy) {
      live.remove(job);
    }
  }

  @Override
  public void close() {
    decode.close();
    preparer.close();
  }
}
