package dev.glimpse.worker;

import dev.glimpse.model.config.LlavaConfig;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the work a worker holds: requests consumed and not yet answered, and the bytes they hold.
 * At either limit the worker pauses every partition it consumes; once both are back under three
 * quarters it resumes. A paused consumer keeps polling (it stays in its group) but fetches nothing,
 * so a backlog larger than the heap waits in Kafka, not in the worker.
 *
 * <p>A job's bytes are estimated when it is admitted: the record twice (as consumed, and the image
 * inside the decoded request), its pixel values and its projected features.
 */
final class Budget {
  private static final Logger LOG = LoggerFactory.getLogger(Budget.class);

  private final WorkerConfig.Budget limits;
  private final ToLongFunction<Job> bytesOf;
  private int requests;
  private long bytes;
  private boolean paused;
  private long pauses;

  Budget(WorkerConfig.Budget limits, LlavaConfig model) {
    this.limits = limits;
    long pixels =
        4L * model.vision().numChannels() * model.vision().imageSize() * model.vision().imageSize();
    long features = 4L * model.imageSeqLength() * model.text().hiddenSize();
    this.bytesOf = job -> 2L * job.original().length + pixels + features;
  }

  void admitted(Job job) {
    requests++;
    bytes += bytesOf.applyAsLong(job);
  }

  void released(Job job) {
    requests--;
    bytes -= bytesOf.applyAsLong(job);
  }

  boolean isPaused() {
    return paused;
  }

  long pauses() {
    return pauses;
  }

  int requests() {
    return requests;
  }

  long bytes() {
    return bytes;
  }

  /** Pauses or resumes the consumer's partitions as the queued work crosses the limits. */
  void apply(Consumer<?, ?> consumer) {
    Set<TopicPartition> assigned = consumer.assignment();
    if (!paused && (requests >= limits.maxQueuedRequests() || bytes >= limits.maxQueuedBytes())) {
      paused = true;
      pauses++;
      LOG.info(
          "paused {} partition(s): {} requests ({} bytes) queued, budget {} requests / {} bytes",
          assigned.size(),
          requests,
          bytes,
          limits.maxQueuedRequests(),
          limits.maxQueuedBytes());
    } else if (paused
        && requests * 4 <= limits.maxQueuedRequests() * 3L
        && bytes * 4 <= limits.maxQueuedBytes() * 3) {
      paused = false;
      consumer.resume(consumer.paused());
      LOG.info(
          "resumed {} partition(s): {} requests ({} bytes) queued",
          assigned.size(),
          requests,
          bytes);
    }
    if (paused) {
      // partitions assigned while paused start fetching unless paused too
      consumer.pause(assigned);
    }
  }
}
