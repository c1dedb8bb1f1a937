package dev.glimpse.worker;

import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.task.ResolvedTask;
import java.util.List;
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
  private final long receivedAtMillis;
  private List<Task> tasks = List.of();
  /** The request's headers (the event's, as ingest carried them): its results carry them on. */
  private Header[] headers = new Header[0];

  /**
   * @param original the record's value as consumed, for a dead letter
   * @param request the decoded request, or null when the value is not one
   */
  Job(TopicPartition partition, long offset, String key, byte[] original, InferenceRequest request,
      long receivedAtMillis) {
    this.partition = partition;
    this.offset = offset;
    this.key = key;
    this.original = original;
    this.request = request;
    this.receivedAtMillis = receivedAtMillis;
  }

  void setTasks(List<Task> tasks) {
    this.tasks = List.copyOf(tasks);
  }

  void setHeaders(Header[] headers) {
    this.headers = headers.clone();
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

  long receivedAtMillis() {
    return receivedAtMillis;
  }

  List<Task> tasks() {
    return tasks;
  }

  /** The image file the request carries. */
  byte[] imageBytes() {
    java.nio.ByteBuffer b = request.getImage().duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
