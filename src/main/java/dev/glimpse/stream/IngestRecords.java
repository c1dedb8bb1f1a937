package dev.glimpse.stream;

import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.contract.Timings;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/** What ingest writes: dead letters, answers from the cache, inference requests. */
final class IngestRecords {
  private final Clock clock;
  private final String modelId;
  private final long maxOriginalBytes;

  /**
   * @param maxOriginalBytes larger original values are not copied into the dead letter (it would
   *     not fit the producer's max.request.size); the letter points at topic, partition, offset
   */
  IngestRecords(Clock clock, String modelId, long maxOriginalBytes) {
    this.clock = clock;
    this.modelId = modelId;
    this.maxOriginalBytes = maxOriginalBytes;
  }

  DeadLetter deadLetter(Verdict<?> refused) {
    Origin o = refused.origin();
    boolean keep = o.value() == null || o.value().length <= maxOriginalBytes;
    String message = refused.rejection().getMessage();
    if (!keep) {
      message +=
          " (the original value, "
              + o.value().length
              + " bytes, is not copied here: read it at the topic, partition and offset)";
    }
    return DeadLetter.newBuilder()
        .setCode(refused.rejection().code())
        .setMessage(message)
        .setTopic(o.topic())
        .setPartition(o.partition())
        .setOffset(o.offset())
        .setOriginalKey(o.key() == null ? null : ByteBuffer.wrap(o.key()))
        .setOriginalValue(keep && o.value() != null ? ByteBuffer.wrap(o.value()) : null)
        .setEventId(refused.eventId())
        .setTimestamp(clock.instant())
        .build();
  }

  /** One request for the event's image, carrying it once with every task the cache missed. */
  InferenceRequest request(KeyedEvent work) {
    var event = work.event();
    List<RequestTask> tasks =
        work.misses().stream()
            .map(l -> new RequestTask(l.index(), l.task(), l.cacheKey()))
            .toList();
    return InferenceRequest.newBuilder()
        .setRequestId(event.getEventId())
        .setEventId(event.getEventId())
        .setClientId(event.getClientId())
        .setTasks(tasks)
        .setImage(ByteBuffer.wrap(work.hashed().valid().image()))
        .setImageSha256(work.hashed().imageSha256())
        .setImageFormat(work.hashed().valid().header().format())
        .setOptions(event.getOptions())
        .setModelId(modelId)
        .setEventTimestamp(event.getTimestamp())
        .setEnqueuedAt(clock.instant())
        .build();
  }

  /**
   * A cached result re-addressed to the event that hit it: its event id and task index, no time
   * spent, from_cache set. Every result record has these four fields.
   */
  @SuppressWarnings(
      "unchecked") // the topology branches hits by kind, and a kind's cached type is checked on
  // lookup
  static <R extends SpecificRecordBase> R fromCache(KeyedEvent.CacheHit hit) {
    R cached = (R) hit.task().cached();
    R copy = SpecificData.get().deepCopy(cached.getSchema(), cached);
    copy.put("event_id", hit.event().getEventId());
    copy.put("task_index", hit.task().index());
    copy.put("timings", noTime());
    copy.put("from_cache", true);
    return copy;
  }

  private static Timings noTime() {
    return new Timings(0L, 0L, 0L, 0L);
  }
}
