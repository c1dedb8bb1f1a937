package dev.glimpse.worker;

import dev.glimpse.kafka.ClientThreads;
import dev.glimpse.kafka.Topics;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.ops.Health;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GPU worker: consumes inference requests, runs them through the model in continuous batches,
 * and writes each result in the same transaction that commits its request's offset (exactly-once
 * for read_committed readers).
 *
 * <p>One thread runs the loop, which reads as the data flows: poll (never blocking while the model
 * has work, so polls stay far inside {@code max.poll.interval.ms}), admit each record ({@link
 * Admission}), one round of model work ({@link InferenceScheduler}: a decode step), gather outcomes
 * into each job's records ({@link JobResults}), and at most every {@code commitInterval} hand what
 * the {@link Outbox} releases to {@link BackgroundCommits}, which writes it in one short
 * transaction that commits its offsets ({@link TransactionalWriter}) on a thread of its own while
 * the model goes on: one transaction at a time, its end collected by the loop. On a rebalance the
 * transaction in flight ends first, then the work of revoked partitions is dropped unwritten; their
 * new owner starts from the committed offsets.
 */
public final class Worker implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(100);

  /** Longest poll while a transaction is in flight, so that its end is collected promptly. */
  private static final Duration COMMIT_POLL = Duration.ofMillis(5);

  /** Longest {@link #close} waits for the loop: its clients close within 5 s each. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final WorkerConfig config;
  private final Topics topics;
  private final IdleClients idle;
  private final Consumer<String, byte[]> consumer;
  private final Producer<String, byte[]> producer;
  private final String modelId;
  private final WorkerMetrics metrics;
  private final KafkaClientMetrics consumerMetrics;
  private final KafkaClientMetrics producerMetrics;
  private final Budget budget;
  private final Outbox outbox = new Outbox();
  private final CommitMeters commitMeters;
  private final Admission admission;
  private final InferenceScheduler scheduler;
  private final JobResults results;
  private final BackgroundCommits commits;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private volatile String stoppedBecause;
  // whoever claims the clients closes them: the loop when it runs, else close()
  private final AtomicBoolean claimed = new AtomicBoolean();
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile Thread loop;
  private volatile RuntimeException failure;
  private volatile Set<TopicPartition> assigned = Set.of();
  private long lastCommit = System.currentTimeMillis();
  // an aborted transaction seen in a rebalance callback: rewound after the poll, not inside it
  private boolean rewindPending;

  /** A worker whose meters go to a registry of its own (read them with {@link #metrics()}). */
  public Worker(WorkerConfig config, Topics topics, VisionLanguageModel model) {
    this(config, topics, model, new SimpleMeterRegistry());
  }

  /**
   * A worker whose meters, and its Kafka clients' metrics, go to {@code registry} (ops/runbook.md
   * lists them).
   */
  public Worker(
      WorkerConfig config, Topics topics, VisionLanguageModel model, MeterRegistry registry) {
    this(config, topics, model, registry, WorkerClients.KAFKA);
  }

  /** A worker whose Kafka clients {@code clients} makes. */
  Worker(
      WorkerConfig config,
      Topics topics,
      VisionLanguageModel model,
      MeterRegistry registry,
      WorkerClients clients) {
    this.config = config;
    this.topics = topics;
    this.metrics = new WorkerMetrics(registry);
    this.idle = new IdleClients(config.idleClientThreads());
    this.consumer =
        idle.make("consumer", () -> clients.consumer(WorkerClients.consumerProperties(config)));
    this.producer =
        idle.make("producer", () -> clients.producer(WorkerClients.producerProperties(config)));
    this.consumerMetrics = new KafkaClientMetrics(consumer);
    this.producerMetrics = new KafkaClientMetrics(producer);
    consumerMetrics.bindTo(registry);
    producerMetrics.bindTo(registry);
    this.modelId = config.modelId().orElse(model.modelId());
    this.budget = new Budget(config.budget(), model.config());
    this.commitMeters = new CommitMeters(metrics);
    DeadLetters deadLetters = new DeadLetters(topics, commitMeters);
    this.admission = new Admission(topics, modelId, config.taskDefaults(), outbox, deadLetters);
    this.scheduler =
        new InferenceScheduler(model, modelId, config, InferenceScheduler.Arrivals.OPEN, metrics);
    this.results =
        new JobResults(
            new ResultRecords(topics, modelId), deadLetters, commitMeters, budget, outbox);
    this.commits =
        new BackgroundCommits(new TransactionalWriter(producer), metrics, idle::onThread);
    // registry framing: a registry that refuses our schemas stops the worker here, not mid-batch
    topics.registerSchemas();
  }

  /** The model id this worker serves: stamped on its results, required of its requests. */
  public String modelId() {
    return modelId;
  }

  /** What this worker has done and holds, read from its meters. */
  public WorkerMetrics metrics() {
    return metrics;
  }

  /**
   * Whether this worker serves: its loop runs, it owns request partitions and it was not fenced.
   * Its model is loaded (a worker is made from a loaded model).
   */
  public Health.Status readiness() {
    String stopped = stoppedBecause;
    if (stopped != null) {
      return Health.Status.down(stopped);
    }
    Set<TopicPartition> owned = assigned;
    if (owned.isEmpty()) {
      return Health.Status.down("no partitions of " + topics.requests().name() + " assigned yet");
    }
    return Health.Status.up(
        owned.size() + " partition(s) of " + topics.requests().name() + " assigned");
  }

  /** The request partitions this worker owns now (safe to read from any thread). */
  public Set<TopicPartition> assignedPartitions() {
    return assigned;
  }

  /**
   * Why the loop stopped on its own, where it did: fenced by another worker with its
   * transactional.id, or denied. Empty while it runs and after a plain {@link #stop()}.
   */
  public Optional<RuntimeException> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public void run() {
    if (!claimed.compareAndSet(false, true)) {
      return; // closed before it ran, or a second run() of the same worker
    }
    loop = Thread.currentThread();
    try {
      producer.initTransactions();
      consumer.subscribe(List.of(topics.requests().name()), new Rebalance());
      while (running.get()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(pollTimeout())) {
          admission.admit(record).ifPresent(this::schedule);
        }
        commits.collect(false).ifPresent(this::ended);
        if (rewindPending) {
          rewindPending = false;
          rewind(consumer.assignment());
        }
        scheduler.runOnce().forEach(results::add);
        budget.apply(consumer);
        metrics.queue(
            budget.requests(),
            budget.bytes(),
            consumer.paused().size(),
            assigned.size(),
            budget.pauses());
        if (!commits.busy() && commitIsDue()) {
          startCommit();
        }
      }
      commits.collect(true).ifPresent(this::ended);
      if (outbox.hasRelease() && !rewindPending) {
        startCommit();
        commits.collect(true).ifPresent(this::ended);
      }
    } catch (WakeupException e) {
      if (running.get()) {
        stoppedBecause = "the worker loop stopped: " + e;
        throw e;
      }
    } catch (ProducerFencedException | InvalidTxnStateException | AuthorizationException e) {
      // an expected end, not a bug: one line, not-ready, and failure() for the exit code
      failure = e;
      stoppedBecause =
          (e instanceof AuthorizationException ? "denied: " : "fenced: ") + e.getMessage();
      LOG.error(
          "worker stopped: {} (another worker with this transactional.id took over, or access was"
              + " denied); restart it with its own glimpse.worker.transactional.id",
          e.toString());
    } catch (RuntimeException | Error e) {
      stoppedBecause = (isFenced(e) ? "fenced: " : "the worker loop stopped: ") + e;
      throw e;
    } finally {
      if (stoppedBecause == null) {
        stoppedBecause = "the worker stopped";
      }
      release();
    }
  }

  /** Zero while the model has work due, else up to the idle poll (shorter with a commit out). */
  private Duration pollTimeout() {
    long due = scheduler.millisUntilWorkIsDue(System.currentTimeMillis());
    long most = commits.busy() ? COMMIT_POLL.toMillis() : IDLE_POLL.toMillis();
    return due == 0 ? Duration.ZERO : Duration.ofMillis(Math.min(due, most));
  }

  private void schedule(Job job) {
    results.opened(job);
    metrics.requestAccepted();
    scheduler.submit(job);
  }

  /** Results are ready, and the commit interval has passed or nothing else is on its way. */
  private boolean commitIsDue() {
    return outbox.hasRelease()
        && (System.currentTimeMillis() - lastCommit >= config.commitInterval().toMillis()
            || scheduler.isIdle());
  }

  /**
   * Hands the released results and their offsets to the commit thread; the loop goes on with the
   * model meanwhile.
   */
  private void startCommit() {
    Outbox.Release release = outbox.release();
    if (!release.isEmpty()) {
      commits.start(release, consumer.groupMetadata());
    }
    lastCommit = System.currentTimeMillis();
  }

  /**
   * A transaction ended: its records count once committed; after an abort, all uncommitted work is
   * redone from the committed offsets.
   */
  private void ended(BackgroundCommits.Ended ended) {
    if (ended.committed()) {
      commitMeters.committed(ended.records());
    } else {
      commitMeters.aborted(ended.records());
      rewindPending = true;
    }
  }

  /**
   * Whether this failure, or one of its causes, is another producer taking this transactional id.
   */
  private static boolean isFenced(Throwable e) {
    return TransactionalWriter.causeOf(e, TransactionalWriter.TAKEN_OVER).isPresent();
  }

  /** Stops the loop from another thread; in-flight work is not written and will be redone. */
  public void stop() {
    running.set(false);
    consumer.wakeup();
  }

  /**
   * Stops the loop and waits until it has closed its Kafka clients (or closes them itself when the
   * loop never ran), so that nothing of this worker outlives it; a loop that does not end in time
   * is named in a warning with where it is stuck.
   */
  @Override
  public void close() {
    stop();
    if (claimed.compareAndSet(false, true)) {
      release();
      return;
    }
    try {
      if (!finished.await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        Thread running = loop;
        LOG.warn(
            "WORKER_CLOSE_TIMEOUT: the worker loop did not stop within {} s and keeps its Kafka"
                + " clients open: {}. Keep the brokers up until the worker has stopped; if this repeats,"
                + " report it with this line",
            CLOSE_TIMEOUT.toSeconds(),
            running == null ? "none" : ClientThreads.describe(List.of(running)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Drops all local state of these partitions and seeks them back to their committed offsets. */
  private void rewind(Set<TopicPartition> partitions) {
    forget(partitions);
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
    for (TopicPartition p : partitions) {
      OffsetAndMetadata offset = committed.get(p);
      if (offset != null) {
        consumer.seek(p, offset);
      } else {
        consumer.seekToBeginning(List.of(p));
      }
    }
  }

  private void forget(Collection<TopicPartition> partitions) {
    Set<TopicPartition> lost = new HashSet<>(partitions);
    scheduler.abandon(job -> lost.contains(job.partition()));
    results.forget(lost);
    outbox.forget(lost);
    commitMeters.forget(lost);
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // the transaction in flight was begun as their owner: it ends before they go
      commits.collectUnlessFailed().ifPresent(Worker.this::ended);
      if (!partitions.isEmpty()) {
        LOG.info("partitions revoked: {}; their in-flight work is dropped unwritten", partitions);
      }
      forget(partitions);
      assigned =
          Set.copyOf(consumer.assignment().stream().filter(p -> !partitions.contains(p)).toList());
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      LOG.info("partitions assigned: {}", partitions);
      assigned = Set.copyOf(consumer.assignment());
      idle.joined(consumer.groupMetadata().groupId());
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      commits.collectUnlessFailed().ifPresent(Worker.this::ended);
      forget(partitions);
      assigned = Set.of();
    }
  }

  /** Closes the model's queue and the Kafka clients, once, by whoever claimed them. */
  private void release() {
    commits.close();
    scheduler.close();
    closeQuietly();
    finished.countDown();
  }

  private void closeQuietly() {
    consumerMetrics.close();
    producerMetrics.close();
    try {
      consumer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      LOG.debug("consumer close: {}", e.toString());
    }
    try {
      producer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      LOG.debug("producer close: {}", e.toString());
    }
  }

  /** Runs a worker on its own thread until {@link #stop()}. */
  public Thread start() {
    Thread thread = new Thread(this, "glimpse-worker");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
