package dev.glimpse.worker;

import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.Timings;
import dev.glimpse.model.ImageFeatures;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.model.config.TextConfig;
import dev.glimpse.model.generate.Candidates;
import dev.glimpse.model.generate.ContinuousBatch;
import dev.glimpse.model.generate.Generation;
import dev.glimpse.model.generate.GenerationOptions;
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
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns jobs (an image and its tasks) into outcomes on one model, on the model thread. An image
 * takes one road:
 *
 * <ol>
 *   <li>prepared once on the {@link Preparer} pool (decode, orient, CLIP preprocessing), unless
 *       the {@link FeatureCache} already holds its features;
 *   <li>encoded once: vision tower + projector, batched across images;
 *   <li>the prompt tokens all its tasks share (with LLaVA-1.5: {@code USER: }, the image, a new
 *       line) prefilled once into a {@link SharedPrefix}, batched across images;
 *   <li>moderation scored from that prefix at once, every category a short suffix; captions and
 *       answers join the continuous decode batch, each prefilling only its own suffix on top of
 *       the prefix, and decode there: an idle batch starts when {@code maxBatchSize} rows wait or
 *       the oldest has waited {@code maxWait}; new rows join between decode steps.
 * </ol>
 *
 * <p>When a batched operation fails, each task in it is retried in a batch of its own, through
 * the full-prompt path; only a task that fails alone becomes a {@link Outcome.Failed}, so one bad
 * request never takes its neighbours with it and never stops the worker.
 */
final class InferenceScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceScheduler.class);
  private static final List<String> YES_NO = List.of("yes", "no");
  /** Poll interval while images are only in preparation: short, so that ready work starts soon. */
  private static final long PREPARING_POLL_MILLIS = 5;

  /** One job's image on its way through the model. */
  private static final class Image {
    final Job job;
    final long preparedMillis;
    final long prepareMillis;
    float[] pixels; // null once encoded or when the features came from the cache
    ImageFeatures features;
    long encodeMillis;

    Image(Job job, float[] pixels, ImageFeatures features, long preparedMillis, long prepareMillis) {
      this.job = job;
      this.pixels = pixels;
      this.features = features;
      this.preparedMillis = preparedMillis;
      this.prepareMillis = prepareMillis;
    }
  }

  /** A prefix shared by the tasks of one image, closed once the last of them has joined. */
  private static final class Prefix {
    final SharedPrefix prefix;
    int users;

    Prefix(SharedPrefix prefix, int users) {
      this.prefix = prefix;
      this.users = users;
    }

    void release() {
      if (--users == 0) {
        prefix.close();
      }
    }
  }

  /** A caption or answer ready to join the decode batch. */
  private record Joining(Job.Task task, GenerationRequest full, Prefix prefix, Image image, long readyMillis) {
    int rowLength() {
      return full.promptIds().length;
    }
  }

  /** A caption or answer decoding in the batch. */
  private record Running(Joining joining, long admittedMillis, long prefillMillis) {}

  private final VisionLanguageModel model;
  private final String modelId;
  private final WorkerConfig config;
  private final Generator generator;
  private final Preparer preparer;
  private final FeatureCache features;
  private final WorkerMetrics metrics;
  private final Set<Job> live = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Deque<Image> toEncode = new ArrayDeque<>();
  private final Deque<Image> toPrefill = new ArrayDeque<>();
  private final Deque<Joining> joining = new ArrayDeque<>();
  private final Map<Job.Task, Running> running = new HashMap<>();
  private ContinuousBatch<Job.Task> batch;

  InferenceScheduler(VisionLanguageModel model, String modelId, WorkerConfig config, WorkerMetrics metrics) {
    this.model = model;
    this.metrics = metrics;
    this.modelId = modelId;
    this.config = config;
    this.generator = model.generator();
    this.preparer = new Preparer(model::pixelValues, config.prepareThreads());
    this.features = new FeatureCache(config.budget().featureCacheBytes());
  }

  /** Accepts a job: its image is prepared off this thread, or found in the feature cache. */
  void submit(Job job) {
    live.add(job);
    ImageFeatures cached = features.get(FeatureCache.key(modelId, job.request().getImageSha256()));
    metrics.featureCache(cached != null);
    if (cached != null) {
      toPrefill.add(new Image(job, null, cached, System.currentTimeMillis(), 0));
    } else {
      preparer.submit(job);
    }
  }

  /** Jobs accepted and not yet finished. */
  int pending() {
    return live.size();
  }

  boolean isIdle() {
    return live.isEmpty();
  }

  /** Milliseconds until there is model work to do; 0 when there is some now. */
  long millisUntilWorkIsDue(long now) {
    if (!running.isEmpty() || !toPrefill.isEmpty() || joining.size() >= config.maxBatchSize()
        || toEncode.size() >= config.maxBatchSize() || (!toEncode.isEmpty() && preparer.pending() == 0)) {
      return 0;
    }
    long due = Long.MAX_VALUE;
    if (!toEncode.isEmpty()) {
      due = Math.max(0, toEncode.peekFirst().preparedMillis + config.maxWait().toMillis() - now);
    }
    if (!joining.isEmpty()) {
      due = Math.min(due, Math.max(0, joining.peekFirst().readyMillis() + config.maxWait().toMillis() - now));
    }
    if (preparer.pending() > 0) {
      due = Math.min(due, PREPARING_POLL_MILLIS);
    }
    return due;
  }

  /**
   * An idle batch starts when enough rows wait to fill it, when the oldest has waited
   * {@code maxWait}, or when no more rows are on their way (nothing in preparation or encoding).
   */
  private boolean batchIsDue(long now) {
    if (joining.isEmpty()) {
      return false;
    }
    boolean nothingMoreComing = preparer.pending() == 0 && toEncode.isEmpty() && toPrefill.isEmpty();
    return joining.size() >= config.maxBatchSize() || nothingMoreComing
        || now - joining.peekFirst().readyMillis() >= config.maxWait().toMillis();
  }

  /** One round of model work: intake, encoding, prefixes and moderation, admissions, a decode step. */
  List<Outcome> runOnce() {
    List<Outcome> done = new ArrayList<>();
    intake(done);
    encode(done);
    prefill(done);
    if (running.isEmpty() && batchIsDue(System.currentTimeMillis())) {
      startBatch(done);
    }
    if (batch != null) {
      admit(done);
      step(done);
    }
    done.forEach(o -> finished(o.task().job()));
    return done;
  }

  /** Drops every job that matches (lost partitions); none of them produces an outcome. */
  void abandon(Predicate<Job> which) {
    live.removeIf(which);
    toEncode.removeIf(i -> which.test(i.job));
    toPrefill.removeIf(i -> which.test(i.job));
    joining.removeIf(j -> {
      if (which.test(j.task().job())) {
        j.prefix().release();
        return true;
      }
      return false;
    });
    if (batch != null) {
      batch.cancel(t -> which.test(t.job())).forEach(running::remove);
    }
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
        failAll(p.job(), ErrorCode.MODEL_ERROR, "the image could not be prepared: " + message(p.error()), done);
      } else {
        toEncode.add(new Image(p.job(), p.pixels(), null, System.currentTimeMillis(), p.millis()));
      }
    }
  }

  // 2. vision tower + projector once per image, batched across images
  private void encode(List<Outcome> done) {
    if (toEncode.isEmpty() || toPrefill.size() + joining.size() >= config.maxBatchSize()) {
      return; // enough encoded work waits: encode more when it has moved on
    }
    boolean full = toEncode.size() >= config.maxBatchSize();
    boolean nothingMoreComing = preparer.pending() == 0;
    boolean waitedEnough = System.currentTimeMillis() - toEncode.peekFirst().preparedMillis >= config.maxWait().toMillis();
    if (!full && !nothingMoreComing && !waitedEnough) {
      return; // more images are being prepared: encode them together
    }
    encode(takeBatch(toEncode), done);
  }

  private void encode(List<Image> images, List<Outcome> done) {
    long start = System.currentTimeMillis();
    long startNanos = System.nanoTime();
    try {
      List<ImageFeatures> encoded = model.encodeImages(images.stream().map(i -> i.pixels).toList());
      metrics.vision(System.nanoTime() - startNanos);
      long millis = System.currentTimeMillis() - start;
      for (int i = 0; i < images.size(); i++) {
        Image image = images.get(i);
        image.features = encoded.get(i);
        image.pixels = null;
        image.encodeMillis = millis;
        features.put(FeatureCache.key(modelId, image.job.request().getImageSha256()), image.features);
        toPrefill.add(image);
      }
    } catch (RuntimeException e) {
      if (images.size() == 1) {
        failAll(images.get(0).job, ErrorCode.MODEL_ERROR, describe(e), done);
        return;
      }
      LOG.warn("encoding {} images together failed ({}); encoding each alone", images.size(), e.toString());
      images.forEach(i -> encode(List.of(i), done));
    }
  }

  // 3. each image's shared prefix prefilled once; moderation scored from it; captions and answers queued to join
  private void prefill(List<Outcome> done) {
    if (toPrefill.isEmpty() || joining.size() >= config.maxBatchSize()) {
      return; // prefixes hold KV memory until their tasks join: make no more than the batch takes
    }
    prefill(takeBatch(toPrefill), done);
  }

  private void prefill(List<Image> images, List<Outcome> done) {
    long start = System.currentTimeMillis();
    List<Prompts> prompts = new ArrayList<>();
    for (Image image : images) {
      prompts.add(prompts(image));
    }
    List<SharedPrefix> prefixes;
    long startNanos = System.nanoTime();
    try {
      prefixes = generator.prefill(prompts.stream().map(Prompts::prefixIds).toList(),
          images.stream().map(i -> List.of(i.features)).toList());
      metrics.prefixPrefill(System.nanoTime() - startNanos);
    } catch (RuntimeException e) {
      if (images.size() == 1) {
        failAll(images.get(0).job, ErrorCode.MODEL_ERROR, describe(e), done);
        return;
      }
      LOG.warn("prefilling {} image prefixes together failed ({}); prefilling each alone", images.size(), e.toString());
      images.forEach(i -> prefill(List.of(i), done));
      return;
    }
    long prefixMillis = System.currentTimeMillis() - start;
    for (int i = 0; i < images.size(); i++) {
      Image image = images.get(i);
      image.encodeMillis += prefixMillis;
      Prompts p = prompts.get(i);
      Prefix prefix = new Prefix(prefixes.get(i), p.generations().size() + 1);
      score(image, p, prefix, done);
      long now = System.currentTimeMillis();
      for (Map.Entry<Job.Task, GenerationRequest> g : p.generations().entrySet()) {
        joining.add(new Joining(g.getKey(), g.getValue(), prefix, image, now));
      }
      prefix.release(); // this method's own use
    }
  }

  /** The prompts of every task of an image, and the part they all share. */
  private record Prompts(int[] prefixIds, Map<Job.Task, GenerationRequest> generations,
      Map<Job.Task, List<ScoringRequest>> moderations) {}

  private Prompts prompts(Image image) {
    Map<Job.Task, GenerationRequest> generations = new LinkedHashMap<>();
    Map<Job.Task, List<ScoringRequest>> moderations = new LinkedHashMap<>();
    List<int[]> all = new ArrayList<>();
    for (Job.Task task : image.job.tasks()) {
      if (task.resolved() instanceof ResolvedTask.Moderation m) {
        List<ScoringRequest> requests = new ArrayList<>();
        for (String category : m.categories()) {
          ScoringRequest r = model.scoringRequest(model.questionPrompt(ResolvedTask.Moderation.question(category)),
              List.of(image.features), YES_NO);
          requests.add(r);
          all.add(r.promptIds());
        }
        moderations.put(task, requests);
      } else {
        String question = task.resolved() instanceof ResolvedTask.Caption c ? c.question()
            : ((ResolvedTask.Question) task.resolved()).question();
        GenerationOptions options = task.resolved() instanceof ResolvedTask.Caption c ? c.options()
            : ((ResolvedTask.Question) task.resolved()).options();
        GenerationRequest r = GenerationRequest.ofFeatures(model.encodePrompt(model.questionPrompt(question)),
            List.of(image.features), options);
        generations.put(task, r);
        all.add(r.promptIds());
      }
    }
    int shared = SharedPrefix.commonLength(all);
    return new Prompts(Arrays.copyOf(all.get(0), shared), generations, moderations);
  }

  private void score(Image image, Prompts p, Prefix prefix, List<Outcome> done) {
    if (p.moderations().isEmpty()) {
      return;
    }
    long start = System.currentTimeMillis();
    List<ScoringRequest> all = p.moderations().values().stream().flatMap(List::stream).toList();
    try {
      List<Candidates> results = generator.score(prefix.prefix, all);
      long now = System.currentTimeMillis();
      int i = 0;
      for (Map.Entry<Job.Task, List<ScoringRequest>> m : p.moderations().entrySet()) {
        List<Candidates> mine = results.subList(i, i + m.getValue().size());
        i += m.getValue().size();
        done.add(scores(m.getKey(), mine, image, start, now));
      }
    } catch (RuntimeException e) {
      LOG.warn("scoring {} moderation tasks from one prefix failed ({}); scoring each alone", p.moderations().size(),
          e.toString());
      p.moderations().forEach((task, requests) -> {
        long alone = System.currentTimeMillis();
        try {
          done.add(scores(task, generator.score(requests), image, alone, System.currentTimeMillis()));
        } catch (RuntimeException again) {
          done.add(new Outcome.Failed(task, ErrorCode.MODEL_ERROR, describe(again)));
        }
      });
    }
  }

  private Outcome.Scores scores(Job.Task task, List<Candidates> results, Image image, long start, long now) {
    List<String> categories = ((ResolvedTask.Moderation) task.resolved()).categories();
    Map<String, Double> scores = new LinkedHashMap<>();
    for (int c = 0; c < categories.size(); c++) {
      scores.put(categories.get(c), results.get(c).probability("yes"));
    }
    long enqueued = task.job().request().getEnqueuedAt().toEpochMilli();
    return new Outcome.Scores(task, scores, new Timings(Math.max(0, image.preparedMillis - image.prepareMillis - enqueued),
        image.prepareMillis + image.encodeMillis, now - start, Math.max(0, now - enqueued)));
  }

  // 4. the decode batch, sized for what waits and for the KV budget
  private void startBatch(List<Outcome> done) {
    if (batch != null) {
      batch.close();
      batch = null;
    }
    TextConfig text = model.config().text();
    int maxNew = joining.stream().mapToInt(j -> j.full().options().maxNewTokens()).max().orElse(1);
    // fail what could never fit alone, then size the batch for the rest
    joining.removeIf(j -> {
      long alone = kvBytes(text, 1, j.rowLength() + j.full().options().maxNewTokens());
      if (alone <= config.budget().kvCacheBytes()) {
        return false;
      }
      done.add(new Outcome.Failed(j.task(), ErrorCode.OVER_MEMORY_BUDGET, "decoding this task needs a KV cache of "
          + alone + " bytes, over glimpse.worker.kv.cache.max.bytes = " + config.budget().kvCacheBytes()
          + "; raise that setting or ask for fewer new tokens"));
      j.prefix().release();
      return true;
    });
    if (joining.isEmpty()) {
      return;
    }
    int longest = joining.stream().mapToInt(Joining::rowLength).max().orElse(0);
    int capacity = longest + 2 * maxNew; // room for later joiners to decode as long as the first ones
    long perSlot = kvBytes(text, 1, capacity);
    int slots = (int) Math.max(1, Math.min(config.maxBatchSize(), config.budget().kvCacheBytes() / perSlot));
    if (slots * perSlot > config.budget().kvCacheBytes()) {
      capacity = longest + maxNew;
    }
    batch = generator.newBatch(slots, capacity);
  }

  private static long kvBytes(TextConfig text, int slots, int positions) {
    // keys and values, every layer, in the activation dtype (at most 4 bytes)
    return 2L * text.numHiddenLayers() * slots * text.numKeyValueHeads() * positions * text.headDim() * 4L;
  }

  /**
   * Joins waiting rows while slots are free. The rows of one image share its prefix and prefill
   * their suffixes together; each group joins as large as fits the batch as it stands then.
   */
  private void admit(List<Outcome> done) {
    Map<Prefix, List<Joining>> byPrefix = new LinkedHashMap<>();
    joining.forEach(j -> byPrefix.computeIfAbsent(j.prefix(), p -> new ArrayList<>()).add(j));
    for (Map.Entry<Prefix, List<Joining>> entry : byPrefix.entrySet()) {
      List<Joining> group = new ArrayList<>(entry.getValue().subList(0, Math.min(entry.getValue().size(),
          batch.freeSlots())));
      while (!group.isEmpty()
          && !batch.canJoin(group.stream().map(Joining::full).toList(), entry.getKey().prefix)) {
        group.remove(group.size() - 1);
      }
      if (!group.isEmpty()) {
        joining.removeAll(group);
        join(entry.getKey(), group, done);
      }
      if (batch == null || batch.freeSlots() == 0) {
        return;
      }
    }
  }

  private void join(Prefix prefix, List<Joining> group, List<Outcome> done) {
    long start = System.currentTimeMillis();
    long startNanos = System.nanoTime();
    try {
      batch.join(group.stream().map(Joining::task).toList(), group.stream().map(Joining::full).toList(),
          prefix.prefix);
      metrics.suffixPrefill(System.nanoTime() - startNanos);
      long prefill = System.currentTimeMillis() - start;
      group.forEach(j -> running.put(j.task(), new Running(j, start, prefill)));
    } catch (RuntimeException e) {
      LOG.warn("{} task(s) failed to join the decode batch ({}); running each alone", group.size(), e.toString());
      group.forEach(j -> done.add(alone(j, e)));
    } finally {
      group.forEach(j -> prefix.release());
    }
  }

  private void step(List<Outcome> done) {
    int stepRows = running.size();
    long startNanos = System.nanoTime();
    try {
      List<ContinuousBatch.Finished<Job.Task>> finished = batch.step();
      if (stepRows > 0) {
        metrics.decodeStep(stepRows, System.nanoTime() - startNanos);
      }
      for (ContinuousBatch.Finished<Job.Task> f : finished) {
        metrics.tokens(f.generation().tokenIds().length);
        Running r = running.remove(f.tag());
        done.add(new Outcome.Text(f.tag(), f.generation().text(), timings(r, System.currentTimeMillis())));
      }
    } catch (RuntimeException e) {
      LOG.warn("a decode step of {} rows failed ({}); running each of its tasks alone", running.size(), e.toString());
      List<Running> rows = new ArrayList<>(running.values());
      running.clear();
      batch.close();
      batch = null;
      rows.forEach(r -> done.add(alone(r.joining(), e)));
    }
  }

  /** A task retried in a batch of its own, through the full-prompt path; failing again, it fails. */
  private Outcome alone(Joining j, RuntimeException first) {
    long start = System.currentTimeMillis();
    try {
      Generation g = generator.generate(List.of(j.full())).get(0);
      metrics.tokens(g.tokenIds().length);
      Running r = new Running(j, start, 0);
      return new Outcome.Text(j.task(), g.text(), timings(r, System.currentTimeMillis()));
    } catch (RuntimeException e) {
      return new Outcome.Failed(j.task(), ErrorCode.MODEL_ERROR, describe(e));
    }
  }

  private static Timings timings(Running r, long now) {
    Image image = r.joining().image();
    long enqueued = r.joining().task().job().request().getEnqueuedAt().toEpochMilli();
    long encode = image.prepareMillis + image.encodeMillis + r.prefillMillis();
    return new Timings(Math.max(0, r.admittedMillis() - enqueued - image.prepareMillis - image.encodeMillis), encode,
        Math.max(0, now - r.admittedMillis() - r.prefillMillis()), Math.max(0, now - enqueued));
  }

  /** Up to a batch of images from the front of a stage's queue. */
  private List<Image> takeBatch(Deque<Image> queue) {
    List<Image> images = new ArrayList<>();
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
    boolean busy = toEncode.stream().anyMatch(i -> i.job == job) || toPrefill.stream().anyMatch(i -> i.job == job)
        || joining.stream().anyMatch(j -> j.task().job() == job) || running.keySet().stream().anyMatch(t -> t.job() == job);
    if (!busy) {
      live.remove(job);
    }
  }

  private static String describe(RuntimeException e) {
    return "the model could not serve this task: " + message(e);
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  @Override
  public void close() {
    joining.forEach(j -> j.prefix().release());
    joining.clear();
    if (batch != null) {
      batch.close();
    }
    preparer.close();
  }
}
