package dev.glimpse.worker;

import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.task.CacheKey;
import dev.glimpse.task.ResolvedTask;
import dev.glimpse.task.TaskDefaults;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * One consumed inference request: an image and the tasks asked of it, and where it came from.
 * Compared by identity: two jobs are never the same job, even for the same record redelivered.
 */
final class Job {
  /** One task of the job: its index in the event, what it asks, the cache key of its result. */
  record Task(Job job, int index, ResolvedTask resolved, String cacheKey) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Task t && t.job == job && t.index == index;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(job) * 31 + index;
    }

    @Override
    public String toString() {
      return job.request().getEventId() + "#" + index + " (" + resolved.kind() + ")";
    }
  }

  private final TopicPartition partition;
  private final long offset;
  private final String key;
  private final byte[] original;
  private final InferenceRequest request;

  /** The request's headers (the event's, as ingest carried them): its results carry them on. */
  private final Header[] headers;

  private List<Task> tasks = List.of();

  /**
   * @param original the record's value as consumed, for a dead letter
   * @param request the decoded request, or null when the value is not one
   * @param headers the record's headers, carried on to its results
   */
  Job(
      TopicPartition partition,
      long offset,
      String key,
      byte[] original,
      InferenceRequest request,
      Header[] headers) {
    this.partition = partition;
    this.offset = offset;
    this.key = key;
    this.original = original;
    this.request = request;
    this.headers = headers.clone();
  }

  /**
   * The job of a consumed record; {@code request} is its decoded value, or null when it is not one.
   */
  static Job consumed(ConsumerRecord<String, byte[]> record, InferenceRequest request) {
    return new Job(
        new TopicPartition(record.topic(), record.partition()),
        record.offset(),
        record.key(),
        record.value(),
        request,
        record.headers().toArray());
  }

  void setTasks(List<Task> tasks) {
    this.tasks = List.copyOf(tasks);
  }

  /**
   * The request's tasks with these defaults applied, each with the cache key this model stores its
   * result under, in the request's order. A version 1 request carries its one task in its own
   * fields.
   */
  List<Task> resolveTasks(TaskDefaults defaults, String modelId) {
    List<Task> resolved = new ArrayList<>();
    if (request.getTasks().isEmpty() && request.getTask() != null) {
      resolved.add(
          task(
              request.getTaskIndex() == null ? 0 : request.getTaskIndex(),
              request.getTask(),
              defaults,
              modelId));
    }
    for (RequestTask t : request.getTasks()) {
      resolved.add(task(t.getTaskIndex(), t.getTask(), defaults, modelId));
    }
    return resolved;
  }

  private Task task(int index, Object task, TaskDefaults defaults, String modelId) {
    ResolvedTask resolved = ResolvedTask.of(task, request.getOptions(), defaults);
    return new Task(
        this, index, resolved, CacheKey.of(request.getImageSha256(), resolved, modelId));
  }

  Header[] headers() {
    return headers.clone();
  }

  TopicPartition partition() {
    return partition;
  }

  long offset() {
    return offset;
  }

  String key() {
    return key;
  }

  byte[] original() {
    return original;
  }

  InferenceRequest request() {
    return request;
  }

  List<Task> tasks() {
    return tasks;
  }

  /** The image file the request carries. */
  byte[] imageBytes() {
    ByteBuffer b = request.getImage().duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
