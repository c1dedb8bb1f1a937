package dev.glimpse.worker;

import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.kafka.RegistryException;
import dev.glimpse.kafka.Topics;
import dev.glimpse.task.TaskDefaults;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of every consumed record: it is tracked in the outbox (its offset commits only
 * once it is done), then either becomes a job for the model or is done at once: a dead letter when
 * it is not a request or asks for another model, nothing when it has no task.
 */
final class Admission {
  private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

  private final Topics topics;
  private final String modelId;
  private final TaskDefaults defaults;
  private final Outbox outbox;
  private final DeadLetters deadLetters;
  private boolean warnedAboutDefaults;

  Admission(
      Topics topics,
      String modelId,
      TaskDefaults defaults,
      Outbox outbox,
      DeadLetters deadLetters) {
    this.topics = topics;
    this.modelId = modelId;
    this.defaults = defaults;
    this.outbox = outbox;
    this.deadLetters = deadLetters;
  }

  /** The job this record asks the model for; empty when the record is already done. */
  Optional<Job> admit(ConsumerRecord<String, byte[]> record) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    outbox.track(partition, record.offset());
    InferenceRequest request;
    try {
      request =
          topics.requests().valueSerde().deserializer().deserialize(record.topic(), record.value());
    } catch (RegistryException e) {
      refuse(Job.consumed(record, null), e.code(), e.getMessage());
      return Optional.empty();
    } catch (RuntimeException e) {
      refuse(
          Job.consumed(record, null),
          ErrorCode.NOT_AVRO,
          "the request is not an Avro InferenceRequest, single-object encoded or registry-framed ("
              + e.getMessage()
              + "); only ingest should write to "
              + record.topic());
      return Optional.empty();
    }
    Job job = Job.consumed(record, request);
    job.setTasks(tasksOf(job));
    if (!modelId.equals(request.getModelId())) {
      outbox.complete(
          partition,
          record.offset(),
          job.tasks().stream()
              .map(
                  t ->
                      deadLetters.of(
                          job,
                          t,
                          ErrorCode.MODEL_MISMATCH,
                          "ingest asked for model "
                              + request.getModelId()
                              + " but this worker serves "
                              + modelId
                              + "; set glimpse.model.id to the same value for ingest and every worker"))
              .toList());
      return Optional.empty();
    }
    if (job.tasks().isEmpty()) {
      outbox.complete(partition, record.offset(), List.of());
      return Optional.empty();
    }
    return Optional.of(job);
  }

  private void refuse(Job job, ErrorCode code, String message) {
    outbox.complete(
        job.partition(), job.offset(), List.of(deadLetters.of(job, null, code, message)));
  }

  /**
   * The request's tasks with the worker's defaults applied; says once when ingest keyed one of them
   * otherwise (then ingest and worker read different task defaults).
   */
  private List<Job.Task> tasksOf(Job job) {
    List<Job.Task> tasks = job.resolveTasks(defaults, modelId);
    List<RequestTask> asked = job.request().getTasks();
    for (int i = 0; i < asked.size() && !warnedAboutDefaults; i++) {
      String key = tasks.get(i).cacheKey();
      if (!key.equals(asked.get(i).getCacheKey())) {
        warnedAboutDefaults = true;
        LOG.warn(
            "ingest keyed a task {} where this worker keys it {}: ingest and worker read different task"
                + " defaults (glimpse.caption.question, glimpse.moderation.*, glimpse.generate.max.new.tokens.default);"
                + " results are cached under the worker's key",
            asked.get(i).getCacheKey(),
            key);
      }
    }
    return tasks;
  }
}
