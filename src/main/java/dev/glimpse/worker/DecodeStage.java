package dev.glimpse.worker;

import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.Timings;
import dev.glimpse.model.generate.ContinuousBatch;
import dev.glimpse.model.generate.Generation;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.model.generate.Generator;
import dev.glimpse.model.generate.SharedPrefix;
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
 * The last stage of the scheduler: captions and answers decode in one continuous batch. Each joins
 * on top of its image's shared prefix, prefilling only its own suffix; a task alone on its image
 * has no prefix and prefills its whole prompt as it joins, together with the others joining then.
 * An idle batch starts when {@code maxBatchSize} rows wait, when the oldest has waited {@code
 * maxWait}, or when no more rows are on their way; new rows join between decode steps.
 *
 * <p>When joining or a decode step fails, each of its tasks is retried alone through the
 * full-prompt path ({@link #alone}); only a task that fails alone becomes a dead letter.
 */
final class DecodeStage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecodeStage.class);

  /** A caption or answer ready to join the decode batch; {@code prefix} is null for a lone task. */
  private record Joining(
      Job.Task task,
      GenerationRequest full,
      HeldPrefix prefix,
      ImageInFlight image,
      long readyMillis) {
    int rowLength() {
      return full.promptIds().length;
    }

    /** This task's use of its prefix is over. */
    void release() {
      if (prefix != null) {
        prefix.release();
      }
    }
  }

  /** A caption or answer decoding in the batch. */
  private record Running(Joining joining, long admittedMillis, long prefillMillis) {}

  private final KvBudget kv;
  private final Generator generator;
  private final WorkerConfig config;
  private final WorkerMetrics metrics;
  private final Deque<Joining> joining = new ArrayDeque<>();
  private final Map<Job.Task, Running> running = new HashMap<>();
  private ContinuousBatch<Job.Task> batch;

  DecodeStage(KvBudget kv, Generator generator, WorkerConfig config, WorkerMetrics metrics) {
    this.kv = kv;
    this.generator = generator;
    this.config = config;
    this.metrics = metrics;
  }

  /** A task waits to join, on top of its image's prefix (null: its whole prompt is prefilled). */
  void queue(
      Job.Task task, GenerationRequest full, HeldPrefix prefix, ImageInFlight image, long now) {
    joining.add(new Joining(task, full, prefix, image, now));
  }

  /** Rows waiting to join. */
  int waiting() {
    return joining.size();
  }

  /** Whether the rows decoding and those waiting to join take every row of the batch. */
  boolean rowsTaken() {
    return running.size() + joining.size() >= config.maxBatchSize();
  }

  /** Milliseconds until this stage has work; 0 when it has some now. */
  long millisUntilDue(long now) {
    if (!running.isEmpty() || joining.size() >= config.maxBatchSize()) {
      return 0;
    }
    if (joining.isEmpty()) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, joining.peekFirst().readyMillis() + config.maxWait().toMillis() - now);
  }

  /**
   * One round: an idle batch starts if it is due, waiting rows join while slots are free, and the
   * batch takes a decode step.
   *
   * @param nothingMoreComing no image is in preparation, encoding or prefill: no row will come soon
   */
  void run(boolean nothingMoreComing, List<Outcome> done) {
    if (running.isEmpty() && batchIsDue(System.currentTimeMillis(), nothingMoreComing)) {
      startBatch(done);
    }
    if (batch != null) {
      admit(done);
      step(done);
    }
  }

  /** Whether a task of this job is waiting or decoding. */
  boolean holds(Job job) {
    return joining.stream().anyMatch(j -> j.task().job() == job)
        || running.keySet().stream().anyMatch(t -> t.job() == job);
  }

  /** Drops every task of the matching jobs, without outcomes. */
  void abandon(Predicate<Job> which) {
    joining.removeIf(
        j -> {
          if (which.test(j.task().job())) {
            j.release();
            return true;
          }
          return false;
        });
    if (batch != null) {
      batch.cancel(t -> which.test(t.job())).forEach(running::remove);
    }
  }

  private boolean batchIsDue(long now, boolean nothingMoreComing) {
    if (joining.isEmpty()) {
      return false;
    }
    return joining.size() >= config.maxBatchSize()
        || nothingMoreComing
        || now - joining.peekFirst().readyMillis() >= config.maxWait().toMillis();
  }

  /** A new batch, sized for what waits and for the KV budget. */
  private void startBatch(List<Outcome> done) {
    if (batch != null) {
      batch.close();
      batch = null;
    }
    int maxNew = joining.stream().mapToInt(j -> j.full().options().maxNewTokens()).max().orElse(1);
    // fail what could never fit alone, then size the batch for the rest
    joining.removeIf(
        j -> {
          long alone = kv.bytes(1, j.rowLength() + j.full().options().maxNewTokens());
          if (alone <= kv.maxBytes()) {
            return false;
          }
          done.add(
              new Outcome.Failed(
                  j.task(),
                  ErrorCode.OVER_MEMORY_BUDGET,
                  "decoding this task needs a KV cache of "
                      + alone
                      + " bytes, over glimpse.worker.kv.cache.max.bytes = "
                      + kv.maxBytes()
                      + "; raise that setting or ask for fewer new tokens"));
          j.release();
          return true;
        });
    if (joining.isEmpty()) {
      return;
    }
    int longest = joining.stream().mapToInt(Joining::rowLength).max().orElse(0);
    int capacity =
        longest + 2 * maxNew; // room for later joiners to decode as long as the first ones
    long perSlot = kv.bytes(1, capacity);
    int slots = (int) Math.max(1, Math.min(config.maxBatchSize(), kv.maxBytes() / perSlot));
    if (slots * perSlot > kv.maxBytes()) {
      capacity = longest + maxNew;
    }
    batch = generator.newBatch(slots, capacity);
  }

  /**
   * Joins waiting rows while slots are free. The rows of one image share its prefix and prefill
   * their suffixes together; each group joins as large as fits the batch as it stands then.
   */
  private void admit(List<Outcome> done) {
    Map<HeldPrefix, List<Joining>> byPrefix = new LinkedHashMap<>();
    joining.forEach(j -> byPrefix.computeIfAbsent(j.prefix(), p -> new ArrayList<>()).add(j));
    for (Map.Entry<HeldPrefix, List<Joining>> entry : byPrefix.entrySet()) {
      List<Joining> group =
          new ArrayList<>(
              entry.getValue().subList(0, Math.min(entry.getValue().size(), batch.freeSlots())));
      while (!group.isEmpty()
          && !batch.canJoin(group.stream().map(Joining::full).toList(), prefixOf(entry.getKey()))) {
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

  private static SharedPrefix prefixOf(HeldPrefix held) {
    return held == null ? null : held.prefix;
  }

  private void join(HeldPrefix prefix, List<Joining> group, List<Outcome> done) {
    long start = System.currentTimeMillis();
    long startNanos = System.nanoTime();
    try {
      batch.join(
          group.stream().map(Joining::task).toList(),
          group.stream().map(Joining::full).toList(),
          prefixOf(prefix));
      if (prefix == null) {
        metrics.prefixPrefill(System.nanoTime() - startNanos); // whole prompts: their own prefixes
      } else {
        metrics.suffixPrefill(System.nanoTime() - startNanos);
      }
      long prefill = System.currentTimeMillis() - start;
      group.forEach(j -> running.put(j.task(), new Running(j, start, prefill)));
    } catch (RuntimeException e) {
      LOG.warn(
          "{} task(s) failed to join the decode batch ({}); running each alone",
          group.size(),
          e.toString());
      group.forEach(j -> done.add(alone(j)));
    } finally {
      group.forEach(Joining::release);
    }
  }

  /** One decode step; when it fails, the batch is closed and each of its tasks runs alone. */
  private void step(List<Outcome> done) {
    int stepRows = running.size();
    int positions = batch.attendedPositions();
    long startNanos = System.nanoTime();
    try {
      List<ContinuousBatch.Finished<Job.Task>> finished = batch.step();
      if (stepRows > 0) {
        metrics.decodeStep(stepRows, positions, System.nanoTime() - startNanos);
      }
      for (ContinuousBatch.Finished<Job.Task> f : finished) {
        metrics.tokens(f.generation().tokenIds().length);
        Running r = running.remove(f.tag());
        done.add(
            new Outcome.Text(
                f.tag(), f.generation().text(), timings(r, System.currentTimeMillis())));
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "a decode step of {} rows failed ({}); running each of its tasks alone",
          running.size(),
          e.toString());
      List<Running> rows = new ArrayList<>(running.values());
      running.clear();
      batch.close();
      batch = null;
      rows.forEach(r -> done.add(alone(r.joining())));
    }
  }

  /**
   * A task retried in a batch of its own, through the full-prompt path; failing again, it fails.
   */
  private Outcome alone(Joining j) {
    long start = System.currentTimeMillis();
    try {
      Generation g = generator.generate(List.of(j.full())).get(0);
      metrics.tokens(g.tokenIds().length);
      Running r = new Running(j, start, 0);
      return new Outcome.Text(j.task(), g.text(), timings(r, System.currentTimeMillis()));
    } catch (RuntimeException e) {
      return new Outcome.Failed(j.task(), ErrorCode.MODEL_ERROR, ModelFailures.describe(e));
    }
  }

  private static Timings timings(Running r, long now) {
    ImageInFlight image = r.joining().image();
    long enqueued = r.joining().task().job().request().getEnqueuedAt().toEpochMilli();
    long encode = image.prepareMillis + image.encodeMillis + r.prefillMillis();
    return new Timings(
        Math.max(0, r.admittedMillis() - enqueued - image.prepareMillis - image.encodeMillis),
        encode,
        Math.max(0, now - r.admittedMillis() - r.prefillMillis()),
        Math.max(0, now - enqueued));
  }

  @Override
  public void close() {
    joining.forEach(Joining::release);
    joining.clear();
    if (batch != null) {
      batch.close();
    }
  }
}
