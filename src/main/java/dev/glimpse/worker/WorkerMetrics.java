package dev.glimpse.worker;

import dev.glimpse.ops.Meters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a worker has done and holds, as Micrometer meters (ops/runbook.md lists their scraped
 * names), and a small read API over them for the demo and tests. Written from the worker's thread;
 * read from any (a scrape, a test).
 */
public final class WorkerMetrics {
  static final String STAGE = "worker";

  private final MeterRegistry registry;
  private final Counter requests;
  private final Counter transactions;
  private final Counter tokens;
  private final Counter featureHits;
  private final Counter featureMisses;
  private final DistributionSummary batchRows;
  private final DistributionSummary batchPositions;
  private final Timer decodeStep;
  private final Timer prefixPrefill;
  private final Timer suffixPrefill;
  private final Timer moderationPrefill;
  private final Timer vision;
  private final Timer latency;
  private final Timer commit;
  // gauges read these: kept here, as Micrometer holds gauge targets weakly
  private final AtomicLong queuedRequests = new AtomicLong();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicLong pausedPartitions = new AtomicLong();
  private final AtomicLong assignedPartitions = new AtomicLong();
  private final AtomicLong pauses = new AtomicLong();

  WorkerMetrics(MeterRegistry registry) {
    this.registry = registry;
    requests =
        Counter.builder("glimpse.worker.requests")
            .description("requests (one image and its tasks) accepted for the model")
            .register(registry);
    transactions =
        Counter.builder("glimpse.worker.transactions")
            .description("result transactions committed")
            .register(registry);
    tokens =
        Counter.builder("glimpse.tokens.generated")
            .description("tokens generated for captions and answers (EOS excluded)")
            .register(registry);
    featureHits = Meters.cacheRequests(registry, "feature", true);
    featureMisses = Meters.cacheRequests(registry, "feature", false);
    batchRows =
        DistributionSummary.builder("glimpse.decode.batch.rows")
            .description("rows (captions and answers) in each decode step")
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
            .register(registry);
    batchPositions =
        DistributionSummary.builder("glimpse.decode.batch.positions")
            .description(
                "cache positions each decode step attends to in every row: the batch's shared end"
                    + " of the rows' tokens")
            .register(registry);
    decodeStep =
        Timer.builder("glimpse.decode.step")
            .description("one decode step of the continuous batch")
            .register(registry);
    prefixPrefill = prefill(registry, "prefix");
    suffixPrefill = prefill(registry, "suffix");
    moderationPrefill = prefill(registry, "moderation");
    vision =
        Timer.builder("glimpse.vision.encode")
            .description("vision tower and projector on a group of images")
            .register(registry);
    latency = Meters.latency(registry, Meters.MODEL);
    commit =
        Timer.builder("glimpse.worker.commit")
            .description(
                "writing released results and committing their transaction (aborted ones too);"
                    + " the worker loop waits for it")
            .register(registry);
    Gauge.builder("glimpse.worker.queued.requests", queuedRequests, AtomicLong::get)
        .description("requests consumed and not yet answered")
        .register(registry);
    Gauge.builder("glimpse.worker.queued.bytes", queuedBytes, AtomicLong::get)
        .description("bytes those requests hold (the budget's estimate)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("glimpse.worker.paused.partitions", pausedPartitions, AtomicLong::get)
        .description("request partitions paused because the queue reached its budget")
        .register(registry);
    Gauge.builder("glimpse.worker.assigned.partitions", assignedPartitions, AtomicLong::get)
        .description("request partitions this worker owns")
        .register(registry);
    FunctionCounter.builder("glimpse.worker.pauses", pauses, AtomicLong::get)
        .description("times the worker paused its partitions at its queue budget")
        .register(registry);
  }

  /** One prefill timer name for every part, told apart by its {@code part} tag. */
  private static Timer prefill(MeterRegistry registry, String part) {
    return Timer.builder("glimpse.prefill")
        .tag("part", part)
        .description(
            "prefill: part=prefix, the prompt prefix of a group of images (the whole prompts of"
                + " images with one task, as they join the decode batch); part=suffix, a group of"
                + " task suffixes joining the decode batch; part=moderation, the category prompts"
                + " of a group's moderation tasks on their images' prefixes, scored")
        .register(registry);
  }

  MeterRegistry registry() {
    return registry;
  }

  void requestAccepted() {
    requests.increment();
  }

  /** One write-and-commit of released results took {@code nanos}. */
  void commitTook(long nanos) {
    commit.record(nanos, TimeUnit.NANOSECONDS);
  }

  void transactionCommitted() {
    transactions.increment();
  }

  void result(String kind, long eventMillis, long writtenMillis) {
    Meters.results(registry, kind, Meters.MODEL).increment();
    latency.record(Math.max(0, writtenMillis - eventMillis), TimeUnit.MILLISECONDS);
  }

  void deadLetter(String code) {
    Meters.deadLetters(registry, code, STAGE).increment();
  }

  void featureCache(boolean hit) {
    (hit ? featureHits : featureMisses).increment();
  }

  void decodeStep(int rows, int positions, long nanos) {
    batchRows.record(rows);
    batchPositions.record(positions);
    decodeStep.record(nanos, TimeUnit.NANOSECONDS);
  }

  void tokens(int count) {
    tokens.increment(count);
  }

  void prefixPrefill(long nanos) {
    prefixPrefill.record(nanos, TimeUnit.NANOSECONDS);
  }

  void suffixPrefill(long nanos) {
    suffixPrefill.record(nanos, TimeUnit.NANOSECONDS);
  }

  void moderationPrefill(long nanos) {
    moderationPrefill.record(nanos, TimeUnit.NANOSECONDS);
  }

  void vision(long nanos) {
    vision.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The gauges, as the worker's loop last saw them. */
  void queue(int requests, long bytes, int paused, int assigned, long pausesSoFar) {
    queuedRequests.set(requests);
    queuedBytes.set(bytes);
    pausedPartitions.set(paused);
    assignedPartitions.set(assigned);
    pauses.set(pausesSoFar);
  }

  /**
   * Results the model computed and this worker wrote, of one kind (caption, answer, moderation).
   */
  public long results(String kind) {
    return (long) Meters.results(registry, kind, Meters.MODEL).count();
  }

  /** Results of every kind this worker wrote. */
  public long results() {
    return results("caption") + results("answer") + results("moderation");
  }

  /** Dead letters this worker wrote, of every code. */
  public long deadLetters() {
    return (long)
        registry.find("glimpse.dead.letters").tag("stage", STAGE).counters().stream()
            .mapToDouble(Counter::count)
            .sum();
  }

  /** Requests (images) accepted for the model. */
  public long requests() {
    return (long) requests.count();
  }

  public long transactions() {
    return (long) transactions.count();
  }

  /** Times the worker paused its partitions because its queued work reached its budget. */
  public long pauses() {
    return pauses.get();
  }

  public long featureCacheHits() {
    return (long) featureHits.count();
  }

  public long featureCacheMisses() {
    return (long) featureMisses.count();
  }

  public long tokensGenerated() {
    return (long) tokens.count();
  }
}
