package dev.glimpse.worker;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.contract.Timings;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.model.generate.Candidates;
import dev.glimpse.model.generate.ContinuousBatch;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.model.generate.Generator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns jobs into outcomes on one model. Captions and answers decode in a continuous batch:
 * an idle batch starts when enough jobs wait ({@code maxBatchSize}) or the oldest has waited
 * {@code maxWait}; while it runs, new jobs join between decode steps whenever a slot is free.
 * Moderation asks one yes/no question per category and scores both answers, all of a round's
 * moderation jobs in one forward pass.
 *
 * <p>A job the model fails on is retried once alone; failing again, it becomes a
 * {@link Outcome.Failed} (a dead letter), so one bad request never stops the worker.
 */
final class InferenceScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceScheduler.class);
  private static final List<String> YES_NO = List.of("yes", "no");

  /** A job ready for the model: its image preprocessed and its prompt tokenized. */
  private record Prepared(Job job, float[] pixels, int[] promptIds, GenerationOptions options, long preparedMillis,
      long prepareMillis) {}

  /** A job decoding in the batch. */
  private record Running(Prepared prepared, long admittedMillis, long prefillMillis) {}

  private final VisionLanguageModel model;
  private final WorkerConfig config;
  private final Generator generator;
  private final Deque<Prepared> waiting = new ArrayDeque<>();
  private final Deque<Job> moderation = new ArrayDeque<>();
  private final Map<Job, Running> running = new HashMap<>();
  private ContinuousBatch<Job> batch;

  InferenceScheduler(VisionLanguageModel model, WorkerConfig config) {
    this.model = model;
    this.config = config;
    this.generator = model.generator();
  }

  /** Accepts a job; a job whose image or prompt cannot be prepared fails at once. */
  List<Outcome> submit(Job job) {
    Object task = job.request().getTask();
    if (task instanceof ModerationTask) {
      moderation.add(job);
      return List.of();
    }
    long start = System.currentTimeMillis();
    try {
      String question = task instanceof QuestionTask q ? q.getQuestion() : config.captionQuestion();
      if (!(task instanceof QuestionTask) && !(task instanceof CaptionTask)) {
        return List.of(new Outcome.Failed(job, "unknown task type " + task.getClass().getSimpleName()));
      }
      float[] pixels = model.pixelValues(bytes(job.request().getImage()));
      int[] prompt = model.encodePrompt(model.questionPrompt(question));
      long now = System.currentTimeMillis();
      waiting.add(new Prepared(job, pixels, prompt, options(job), now, now - start));
      return List.of();
    } catch (RuntimeException e) {
      return List.of(new Outcome.Failed(job, describe(e)));
    }
  }

  /** Jobs accepted and not yet finished. */
  int pending() {
    return waiting.size() + moderation.size() + running.size();
  }

  boolean isIdle() {
    return pending() == 0;
  }

  /** Milliseconds until an idle batch should start even if not full; 0 when work is ready now. */
  long millisUntilWorkIsDue(long now) {
    if (!running.isEmpty() || !moderation.isEmpty() || waiting.size() >= config.maxBatchSize()) {
      return 0;
    }
    if (waiting.isEmpty()) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, waiting.peekFirst().preparedMillis() + config.maxWait().toMillis() - now);
  }

  /** Does one round of work: moderation scoring, admissions, one decode step. */
  List<Outcome> runOnce() {
    List<Outcome> done = new ArrayList<>(scoreModeration());
    long now = System.currentTimeMillis();
    if (running.isEmpty() && (waiting.size() >= config.maxBatchSize()
        || (!waiting.isEmpty() && millisUntilWorkIsDue(now) == 0))) {
      startBatch();
    }
    if (batch != null) {
      done.addAll(admit());
      done.addAll(step());
    }
    return done;
  }

  /** Drops every job that matches (lost partitions); none of them produces an outcome. */
  void abandon(Predicate<Job> which) {
    waiting.removeIf(p -> which.test(p.job()));
    moderation.removeIf(which);
    if (batch != null) {
      batch.cancel(which).forEach(running::remove);
    }
  }

  private void startBatch() {
    if (batch != null) {
      batch.close();
    }
    int longest = waiting.stream().mapToInt(p -> p.promptIds().length).max().orElse(0);
    int maxNew = Math.max(config.defaultMaxNewTokens(),
        waiting.stream().mapToInt(p -> p.options().maxNewTokens()).max().orElse(0));
    // room for later joiners to decode as long as the first ones
    batch = generator.newBatch(config.maxBatchSize(), longest + 2 * maxNew);
  }

  private List<Outcome> admit() {
    List<Prepared> joining = new ArrayList<>();
    List<Prepared> skipped = new ArrayList<>();
    int free = batch.freeSlots();
    while (!waiting.isEmpty() && joining.size() < free) {
      Prepared p = waiting.pollFirst();
      // joiners are prefilled together, left-padded to the longest; each must fit on its own
      boolean fits = batch.canJoin(p.promptIds().length, p.options().maxNewTokens());
      (fits ? joining : skipped).add(p);
    }
    for (int i = skipped.size() - 1; i >= 0; i--) {
      waiting.addFirst(skipped.get(i));
    }
    if (joining.isEmpty()) {
      return List.of();
    }
    return join(joining);
  }

  private List<Outcome> join(List<Prepared> joining) {
    long start = System.currentTimeMillis();
    try {
      batch.join(joining.stream().map(p -> p.job()).toList(), joining.stream()
          .map(p -> GenerationRequest.ofPixels(p.promptIds(), List.of(p.pixels()), p.options())).toList());
      long prefill = System.currentTimeMillis() - start;
      joining.forEach(p -> running.put(p.job(), new Running(p, start, prefill)));
      return List.of();
    } catch (RuntimeException e) {
      if (joining.size() == 1) {
        return List.of(new Outcome.Failed(joining.get(0).job(), describe(e)));
      }
      LOG.warn("a batch of {} failed to join ({}); retrying each alone", joining.size(), e.toString());
      List<Outcome> failed = new ArrayList<>();
      for (Prepared p : joining) {
        if (batch.canJoin(p.promptIds().length, p.options().maxNewTokens())) {
          failed.addAll(join(List.of(p)));
        } else {
          waiting.addFirst(p);
        }
      }
      return failed;
    }
  }

  private List<Outcome> step() {
    List<Outcome> done = new ArrayList<>();
    try {
      for (ContinuousBatch.Finished<Job> f : batch.step()) {
        Running r = running.remove(f.tag());
        done.add(new Outcome.Text(f.tag(), f.generation().text(), timings(r, System.currentTimeMillis())));
      }
    } catch (RuntimeException e) {
      // the whole step failed: retry every running job alone once, then dead-letter it
      LOG.warn("a decode step of {} rows failed ({}); retrying its jobs alone", running.size(), e.toString());
      List<Running> rows = new ArrayList<>(running.values());
      running.clear();
      batch.close();
      batch = null;
      for (Running r : rows) {
        Job job = r.prepared().job();
        if (job.attempts() >= 1) {
          done.add(new Outcome.Failed(job, describe(e)));
        } else {
          Prepared p = r.prepared();
          waiting.addFirst(new Prepared(job.retried(), p.pixels(), p.promptIds(), p.options(), p.preparedMillis(),
              p.prepareMillis()));
        }
      }
    }
    return done;
  }

  private List<Outcome> scoreModeration() {
    if (moderation.isEmpty()) {
      return List.of();
    }
    List<Outcome> done = new ArrayList<>();
    List<Job> jobs = new ArrayList<>();
    while (!moderation.isEmpty() && jobs.size() < config.maxBatchSize()) {
      jobs.add(moderation.pollFirst());
    }
    long start = System.currentTimeMillis();
    List<String> prompts = new ArrayList<>();
    List<List<float[]>> images = new ArrayList<>();
    List<List<String>> candidates = new ArrayList<>();
    List<Job> scored = new ArrayList<>();
    List<List<String>> categoriesOfJob = new ArrayList<>();
    for (Job job : jobs) {
      try {
        List<String> categories = categories((ModerationTask) job.request().getTask());
        float[] pixels = model.pixelValues(bytes(job.request().getImage()));
        for (String category : categories) {
          prompts.add(model.questionPrompt(WorkerConfig.moderationQuestion(category)));
          images.add(List.of(pixels));
          candidates.add(YES_NO);
        }
        scored.add(job);
        categoriesOfJob.add(categories);
      } catch (RuntimeException e) {
        done.add(new Outcome.Failed(job, describe(e)));
      }
    }
    if (scored.isEmpty()) {
      return done;
    }
    try {
      List<Candidates> results = model.score(prompts, images, candidates);
      long now = System.currentTimeMillis();
      int i = 0;
      for (int j = 0; j < scored.size(); j++) {
        Map<String, Double> scores = new LinkedHashMap<>();
        for (String category : categoriesOfJob.get(j)) {
          scores.put(category, results.get(i++).probability("yes"));
        }
        Job job = scored.get(j);
        long queued = Math.max(0, start - job.request().getEnqueuedAt().toEpochMilli());
        done.add(new Outcome.Scores(job, scores, new Timings(queued, now - start, 0L,
            Math.max(0, now - job.request().getEnqueuedAt().toEpochMilli()))));
      }
    } catch (RuntimeException e) {
      for (Job job : scored) {
        if (scored.size() > 1 && job.attempts() == 0) {
          moderation.addFirst(job.retried()); // retried alone below
        } else {
          done.add(new Outcome.Failed(job, describe(e)));
        }
      }
    }
    return done;
  }

  private List<String> categories(ModerationTask task) {
    List<String> categories = task.getCategories();
    return categories == null || categories.isEmpty() ? config.moderationCategories() : categories;
  }

  private GenerationOptions options(Job job) {
    var o = job.request().getOptions();
    if (o == null) {
      return GenerationOptions.greedy(config.defaultMaxNewTokens());
    }
    return new GenerationOptions(
        o.getMaxNewTokens() == null ? config.defaultMaxNewTokens() : o.getMaxNewTokens(),
        o.getTemperature() == null ? 0 : o.getTemperature(),
        o.getTopK() == null ? 0 : o.getTopK(),
        o.getTopP() == null ? 1 : o.getTopP(),
        o.getSeed() == null ? 0 : o.getSeed(),
        List.of());
  }

  private static Timings timings(Running r, long now) {
    Prepared p = r.prepared();
    long enqueued = p.job().request().getEnqueuedAt().toEpochMilli();
    long encode = p.prepareMillis() + r.prefillMillis();
    return new Timings(Math.max(0, r.admittedMillis() - enqueued), encode,
        Math.max(0, now - r.admittedMillis() - r.prefillMillis()), Math.max(0, now - enqueued));
  }

  static byte[] bytes(java.nio.ByteBuffer buffer) {
    java.nio.ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static String describe(RuntimeException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return "the model could not serve this request: " + message;
  }

  @Override
  public void close() {
    if (batch != null) {
      batch.close();
    }
  }
}
