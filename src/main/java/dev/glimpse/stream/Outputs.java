package dev.glimpse.stream;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.Timings;
import java.nio.ByteBuffer;
import java.time.Clock;

/** What ingest writes: dead letters, answers from the cache, inference requests. */
final class Outputs {
  private final Clock clock;
  private final String modelId;
  private final long maxOriginalBytes;

  /**
   * @param maxOriginalBytes larger original values are not copied into the dead letter (it would
   *     not fit the producer's max.request.size); the letter points at topic, partition, offset
   */
  Outputs(Clock clock, String modelId, long maxOriginalBytes) {
    this.clock = clock;
    this.modelId = modelId;
    this.maxOriginalBytes = maxOriginalBytes;
  }

  DeadLetter deadLetter(Checked<?> refused) {
    Origin o = refused.origin();
    boolean keep = o.value() == null || o.value().length <= maxOriginalBytes;
    String message = refused.rejection().getMessage();
    if (!keep) {
      message += " (the original value, " + o.value().length
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

  InferenceRequest request(TaskWork work) {
    var event = work.event();
    return InferenceRequest.newBuilder()
        .setRequestId(work.requestId())
        .setEventId(event.getEventId())
        .setClientId(event.getClientId())
        .setTaskIndex(work.taskIndex())
        .setTask(work.task())
        .setImage(ByteBuffer.wrap(work.hashed().valid().image()))
        .setImageSha256(work.hashed().imageSha256())
        .setImageFormat(work.hashed().valid().header().format())
        .setOptions(event.getOptions())
        .setModelId(modelId)
        .setCacheKey(work.cacheKey())
        .setEventTimestamp(event.getTimestamp())
        .setEnqueuedAt(clock.instant())
        .build();
  }

  static CaptionResult cachedCaption(TaskWork work) {
    return CaptionResult.newBuilder((CaptionResult) work.cached())
        .setEventId(work.event().getEventId())
        .setTaskIndex(work.taskIndex())
        .setTimings(noTime())
        .setFromCache(true)
        .build();
  }

  static AnswerResult cachedAnswer(TaskWork work) {
    return AnswerResult.newBuilder((AnswerResult) work.cached())
        .setEventId(work.event().getEventId())
        .setTaskIndex(work.taskIndex())
        .setTimings(noTime())
        .setFromCache(true)
        .build();
  }

  static ModerationResult cachedModeration(TaskWork work) {
    return ModerationResult.newBuilder((ModerationResult) work.cached())
        .setEventId(work.event().getEventId())
        .setTaskIndex(work.taskIndex())
        .setTimings(noTime())
        .setFromCache(true)
        .build();
  }

  private static Timings noTime() {
    return new Timings(0L, 0L, 0L, 0L);
  }
}
