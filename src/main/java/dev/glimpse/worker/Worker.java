package dev.glimpse.worker;

import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.kafka.CarriedHeaders;
import dev.glimpse.kafka.RegistryException;
import dev.glimpse.kafka.Topics;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.ops.Health;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GPU worker: consumes inference requests, runs them through the model in continuous
 * batches, and writes each result in the same transaction that commits its request's offset
 * (exactly-once for read_committed readers).
 *
 * <p>One thread does everything, in a loop: poll (never blocking while the model has work, so
 * polls stay far inside {@code max.poll.interval.ms}), submit, one round of model work (a decode
 * step), and at most every {@code commitInterval} a short transaction with the released results.
 * A transaction opens only to send what is ready and closes at once, so its lifetime is
 * milliseconds, far inside {@code transaction.timeout.ms}. On a rebalance the work of revoked
 * partitions is dropped unwritten; their new owner starts from the committed offsets.
 */
public final class Worker implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(100);

  private final WorkerConfig config;
  private final Topics topics;
  private final VisionLanguageModel model;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final String modelId;
  private final InferenceScheduler scheduler;
  private final Budget budget;
  private final ResultRecords results;
  private final Map<Job, Answers> answered = new IdentityHashMap<>();
  private boolean warnedAboutDefaults;
  private final Outbox outbox = new Outbox();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private volatile Halt halt = Halt.NEVER;
  private final WorkerMetrics metrics;
  private final KafkaClientMetrics consumerMetrics;
  private final KafkaClientMetrics producerMetrics;
  /** What each released record is, for the meters once its transaction commits. */
  private final Map<ProducerRecord<String, byte[]>, Written> written = new IdentityHashMap<>();
  private volatile String stoppedBecause;
  private volatile Set<TopicPartition> assigned = Set.of();
  private long lastCommit = System.currentTimeMillis();

  /** A worker whose meters go to a registry of its own (read them with {@link #metrics()}). */
  public Worker(WorkerConfig config, Topics topics, VisionLanguageModel model) {
    this(config, topics, model, new SimpleMeterRegistry());
  }

  /**
   * A worker whose meters, and its Kafka clients' metrics, go to {@code registry} (ops/runbook.md
   * lists them).
   */
  public Worker(WorkerConfig config, Topics topics, VisionLanguageModel model, MeterRegistry registry) {
    this.config = config;
    this.metrics = new WorkerMetrics(registry);
    this.topics = topics;
    this.model = model;
    this.consumer = new KafkaConsumer<>(consumerProperties(config), new StringDeserializer(),
        new ByteArrayDeserializer());
    this.producer = new KafkaProducer<>(producerProperties(config), new StringSerializer(),
        new ByteArraySerializer());
    this.modelId = config.modelId().orElse(model.modelId());
    this.scheduler = new InferenceScheduler(model, modelId, config, metrics);
    this.budget = new Budget(config.budget(), model.config());
    this.results = new ResultRecords(topics, modelId);
    this.consumerMetrics = new KafkaClientMetrics(consumer);
    this.producerMetrics = new KafkaClientMetrics(producer);
    consumerMetrics.bindTo(registry);
    producerMetrics.bindTo(registry);
    // registry framing: a registry that refuses our schemas stops the worker here, not mid-batch
    topics.registerSchemas();
  }

  /** A released record: a result of this kind, or a dead letter with this code. */
  private record Written(TopicPartition partition, String kind, String code, long eventMillis) {}

  /** The model id this worker serves: stamped on its results, required of its requests. */
  public String modelId() {
    return modelId;
  }

  static Properties consumerProperties(WorkerConfig config) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(Math.max(16, 4 * config.maxBatchSize())));
    // a fetch brings at most a slice of the queue budget (a record larger than that still comes alone)
    long fetch = Math.max(1 << 20, Math.min(50L << 20, config.budget().maxQueuedBytes() / 8));
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(fetch));
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(Math.min(16L << 20, fetch)));
    p.putAll(config.kafka());
    return p;
  }

  static Properties producerProperties(WorkerConfig config) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(13 << 20));
    // a worker that dies inside a transaction holds back read_committed readers this long at most
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "10000");
    p.putAll(config.kafka());
    return p;
  }

  /** Where a worker may be made to die without cleaning up, as a killed process would. */
  public enum Halt {
    NEVER,
    /** at the next loop iteration, with work in flight and nothing more written */
    NOW,
    /** inside the next transaction, after its records and offsets are sent, before its commit */
    IN_TRANSACTION
  }

  /**
   * Makes the worker die at that point: its clients are closed at once, with no commit, no
   * abort and no leave-group, as a killed process's would be. For failure tests.
   */
  public void halt(Halt where) {
    halt = where;
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
    return Health.Status.up(owned.size() + " partition(s) of " + topics.requests().name() + " assigned");
  }

  /** The request partitions this worker owns now (safe to read from any thread). */
  public Set<TopicPartition> assignedPartitions() {
    return assigned;
  }

  @Override
  public void run() {
    try {
      producer.initTransactions();
      consumer.subscribe(List.of(topics.requests().name()), new Rebalance());
      while (running.get()) {
        if (halt == Halt.NOW) {
          dieAbruptly();
          return;
        }
        long now = System.currentTimeMillis();
        long due = scheduler.millisUntilWorkIsDue(now);
        Duration timeout = due == 0 ? Duration.ZERO : Duration.ofMillis(Math.min(due, IDLE_POLL.toMillis()));
        for (ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
          accept(record);
        }
        for (Outcome outcome : scheduler.runOnce()) {
          complete(outcome);
        }
        budget.apply(consumer);
        metrics.queue(budget.requests(), budget.bytes(), consumer.paused().size(), assigned.size(), budget.pauses());
        now = System.currentTimeMillis();
        if (outbox.hasRelease() && (now - lastCommit >= config.commitInterval().toMillis() || scheduler.isIdle())) {
          commit();
        }
      }
      if (outbox.hasRelease() && halt == Halt.NEVER) {
        commit();
      }
    } catch (WakeupException e) {
      if (running.get()) {
        stoppedBecause = "the worker loop stopped: " + e;
        throw e;
      }
    } catch (ProducerFencedException | AuthorizationException e) {
      stoppedBecause = (e instanceof ProducerFencedException ? "fenced: " : "denied: ") + e.getMessage();
      LOG.error("worker stopped: {} (another worker with this transactional.id took over, or access was"
          + " denied); restart it with its own glimpse.worker.transactional.id", e.toString());
      throw e;
    } catch (RuntimeException | Error e) {
      stoppedBecause = (isFenced(e) ? "fenced: " : "the worker loop stopped: ") + e;
      throw e;
    } finally {
      if (stoppedBecause == null) {
        stoppedBecause = "the worker stopped";
      }
      scheduler.close();
      if (halt == Halt.NEVER) {
        closeQuietly();
      }
    }
  }

  /** Whether this failure, or one of its causes, is another producer taking this transactional id. */
  private static boolean isFenced(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ProducerFencedException) {
        return true;
      }
    }
    return false;
  }

  /** Stops the loop from another thread; in-flight work is not written and will be redone. */
  public void stop() {
    running.set(false);
    consumer.wakeup();
  }

  @Override
  public void close() {
    stop();
  }

  private void accept(ConsumerRecord<String, byte[]> record) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    outbox.track(partition, record.offset());
    InferenceRequest request;
    try {
      request = topics.requests().valueSerde().deserializer().deserialize(record.topic(), record.value());
    } catch (RegistryException e) {
      Job job = new Job(partition, record.offset(), record.key(), record.value(), null, System.currentTimeMillis());
      job.setHeaders(record.headers().toArray());
      outbox.complete(partition, record.offset(), List.of(deadLetter(job, null, e.code(), e.getMessage())));
      return;
    } catch (RuntimeException e) {
      Job job = new Job(partition, record.offset(), record.key(), record.value(), null, System.currentTimeMillis());
      job.setHeaders(record.headers().toArray());
      outbox.complete(partition, record.offset(), List.of(deadLetter(job, null, ErrorCode.NOT_AVRO,
          "the request is not an Avro InferenceRequest, single-object encoded or registry-framed ("
              + e.getMessage() + "); only ingest should write to " + record.topic())));
      return;
    }
    Job job = new Job(partition, record.offset(), record.key(), record.value(), request, System.currentTimeMillis());
    job.setHeaders(record.headers().toArray());
    List<Job.Task> tasks = tasksOf(job);
    job.setTasks(tasks);
    if (!modelId.equals(request.getModelId())) {
      outbox.complete(partition, record.offset(), tasks.stream().map(t -> deadLetter(job, t, ErrorCode.MODEL_MISMATCH,
          "ingest asked for model " + request.getModelId() + " but this worker serves " + modelId
              + "; set glimpse.model.id to the same value for ingest and every worker")).toList());
      return;
    }
    if (tasks.isEmpty()) {
      outbox.complete(partition, record.offset(), List.of());
      return;
    }
    answered.put(job, new Answers());
    budget.admitted(job);
    metrics.requestAccepted();
    scheduler.submit(job);
  }

  /**
   * The request's tasks with the worker's defaults applied; says once when ingest keyed one of them
   * otherwise (then ingest and worker read different task defaults).
   */
  private List<Job.Task> tasksOf(Job job) {
    List<Job.Task> tasks = job.resolveTasks(config.taskDefaults(), modelId);
    List<RequestTask> asked = job.request().getTasks();
    for (int i = 0; i < asked.size() && !warnedAboutDefaults; i++) {
      String key = tasks.get(i).cacheKey();
      if (!key.equals(asked.get(i).getCacheKey())) {
        warnedAboutDefaults = true;
        LOG.warn("ingest keyed a task {} where this worker keys it {}: ingest and worker read different task"
            + " defaults (glimpse.caption.question, glimpse.moderation.*, glimpse.generate.max.new.tokens.default);"
            + " results are cached under the worker's key", asked.get(i).getCacheKey(), key);
      }
    }
    return tasks;
  }

  /** The records of a job's finished tasks, until its last task finishes. */
  private static final class Answers {
    final List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    int tasksDone;
  }

  /** A task's outcome becomes its result and cache entry, or its dead letter; a job completes with its last task. */
  private void complete(Outcome outcome) {
    Job.Task task = outcome.task();
    Job job = task.job();
    Answers answers = answered.get(job);
    if (answers == null) {
      return; // abandoned with its partition
    }
    if (outcome instanceof Outcome.Failed f) {
      answers.records.add(deadLetter(job, task, f.code(), f.message()));
    } else {
      List<ProducerRecord<String, byte[]>> records = results.of(outcome);
      // the first is the result (the second its cache entry, not counted)
      written.put(records.get(0), new Written(job.partition(), ResultRecords.kindOf(outcome),
          null, job.request().getEventTimestamp().toEpochMilli()));
      answers.records.addAll(records);
    }
    if (++answers.tasksDone == job.tasks().size()) {
      answered.remove(job);
      budget.released(job);
      outbox.complete(job.partition(), job.offset(), answers.records);
    }
  }

  private ProducerRecord<String, byte[]> deadLetter(Job job, Job.Task task, ErrorCode code, String message) {
    InferenceRequest r = job.request();
    byte[] original = job.original() != null && job.original().length <= (12 << 20) ? job.original() : null;
    DeadLetter letter = new DeadLetter(code, message, job.partition().topic(), job.partition().partition(),
        job.offset(), job.key() == null ? null : ByteBuffer.wrap(job.key().getBytes(StandardCharsets.UTF_8)),
        original == null ? null : ByteBuffer.wrap(original), r == null ? null : r.getEventId(),
        task == null ? null : task.index(), Instant.now());
    String key = r == null ? job.key() : r.getEventId();
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.dlq().name(), null, key,
        topics.dlq().valueSerde().serializer().serialize(topics.dlq().name(), letter),
        CarriedHeaders.of(job.headers(), topics.dlq().contentType()));
    written.put(record, new Written(job.partition(), null, code.name(), -1));
    return record;
  }

  /** Writes the released results and commits their offsets, in one transaction. */
  private void commit() {
    Outbox.Release release = outbox.release();
    if (release.isEmpty()) {
      return;
    }
    try {
      producer.beginTransaction();
      for (ProducerRecord<String, byte[]> record : release.records()) {
        producer.send(record);
      }
      producer.sendOffsetsToTransaction(release.offsets(), consumer.groupMetadata());
      if (halt == Halt.IN_TRANSACTION) {
        producer.flush();
        dieAbruptly();
        return;
      }
      producer.commitTransaction();
      count(release);
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
      throw e; // fatal for this producer
    } catch (KafkaException e) {
      // abortable: nothing of this transaction is visible; redo everything uncommitted
      LOG.warn("transaction aborted ({}); redoing uncommitted requests from the committed offsets", e.toString());
      producer.abortTransaction();
      release.records().forEach(written::remove);
      rewind(consumer.assignment());
    }
    lastCommit = System.currentTimeMillis();
  }

  /** Meters of a committed transaction: results by kind with their latency, dead letters by code. */
  private void count(Outbox.Release release) {
    long now = System.currentTimeMillis();
    metrics.transactionCommitted();
    for (ProducerRecord<String, byte[]> record : release.records()) {
      Written w = written.remove(record);
      if (w == null) {
        continue; // a cache entry
      }
      if (w.code() != null) {
        metrics.deadLetter(w.code());
      } else {
        metrics.result(w.kind(), w.eventMillis(), now);
      }
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
    answered.keySet().removeIf(job -> {
      if (lost.contains(job.partition())) {
        budget.released(job);
        return true;
      }
      return false;
    });
    outbox.forget(lost);
    written.values().removeIf(w -> lost.contains(w.partition()));
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) {
        LOG.info("partitions revoked: {}; their in-flight work is dropped unwritten", partitions);
      }
      forget(partitions);
      assigned = Set.copyOf(consumer.assignment().stream().filter(p -> !partitions.contains(p)).toList());
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      LOG.info("partitions assigned: {}", partitions);
      assigned = Set.copyOf(consumer.assignment());
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
      assigned = Set.of();
    }
  }

  private void dieAbruptly() {
    LOG.warn("worker halted abruptly ({}): {} requests in flight are left to the next owner", halt,
        outbox.inFlight());
    running.set(false);
    stoppedBecause = "halted (" + halt + ")";
    closeMetrics();
    producer.close(Duration.ZERO);
    // no leave-group: the group notices the death by session timeout, as with a killed process
    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.groupMembershipOperation(
        org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP)
        .withTimeout(Duration.ZERO));
  }

  private void closeMetrics() {
    consumerMetrics.close();
    producerMetrics.close();
  }

  private void closeQuietly() {
    closeMetrics();
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
