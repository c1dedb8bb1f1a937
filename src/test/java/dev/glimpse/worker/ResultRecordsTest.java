package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.contract.Timings;
import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.Topics;
import dev.glimpse.task.CacheKey;
import dev.glimpse.task.ResolvedTask;
import dev.glimpse.task.TaskDefaults;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

class ResultRecordsTest {
  private static final Topics TOPICS = Topics.from(Topics.bundledSpecs(), Contract.current());
  private static final String TRACEPARENT =
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  private static Job job() {
    InferenceRequest request =
        InferenceRequest.newBuilder()
            .setRequestId("e1")
            .setEventId("e1")
            .setClientId("t")
            .setTasks(List.of(new RequestTask(0, new CaptionTask(), "k0")))
            .setImage(ByteBuffer.wrap(new byte[] {1}))
            .setImageSha256("sha")
            .setImageFormat("png")
            .setModelId("m")
            .setEventTimestamp(Instant.EPOCH)
            .setEnqueuedAt(Instant.EPOCH)
            .build();
    return new Job(
        new TopicPartition("glimpse.requests", 0),
        5L,
        "sha",
        new byte[0],
        request,
        new Header[] {
          new RecordHeader("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8)),
          new RecordHeader(
              "content-type",
              "application/vnd.glimpse.inferencerequest.v2+avro".getBytes(StandardCharsets.UTF_8))
        });
  }

  private static Outcome.Scores scores(Map<String, Double> scores, TaskDefaults defaults) {
    ResolvedTask resolved =
        ResolvedTask.of(new ModerationTask(List.copyOf(scores.keySet())), null, defaults);
    Job.Task task = new Job.Task(job(), 2, resolved, CacheKey.of("sha", resolved, "m"));
    return new Outcome.Scores(task, scores, new Timings(1L, 2L, 3L, 6L));
  }

  private static String header(Headers headers, String key) {
    Header h = headers.lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void eachCategoryIsJudgedAtItsOwnThresholdAndAnyFlaggedCategoryFlagsTheImage() {
    TaskDefaults defaults =
        TaskDefaults.from(
            Map.of(
                "glimpse.moderation.flag.threshold",
                "0.5",
                "glimpse.moderation.flag.threshold.fire",
                "0.9"));

    var records =
        new ResultRecords(TOPICS, "m").of(scores(Map.of("fire", 0.8, "smoke", 0.6), defaults));
    ModerationResult result =
        TOPICS
            .moderation()
            .valueSerde()
            .deserializer()
            .deserialize("glimpse.moderation", records.get(0).value());

    assertEquals(Map.of("fire", false, "smoke", true), result.getCategories());
    assertEquals(Map.of("fire", 0.9, "smoke", 0.5), result.getThresholds());
    assertTrue(result.getFlagged(), "smoke is flagged");
    var calm = new ResultRecords(TOPICS, "m").of(scores(Map.of("fire", 0.8), defaults));
    assertFalse(
        TOPICS
            .moderation()
            .valueSerde()
            .deserializer()
            .deserialize("glimpse.moderation", calm.get(0).value())
            .getFlagged());
  }

  @Test
  void theResultCarriesTheRequestsHeadersWithItsOwnContentTypeAndTheCacheEntryOnlyItsContentType() {
    List<ProducerRecord<String, byte[]>> records =
        new ResultRecords(TOPICS, "m")
            .of(scores(Map.of("hazard", 0.1), TaskDefaults.from(Map.of())));

    Headers result = records.get(0).headers();
    assertEquals(TRACEPARENT, header(result, "traceparent"));
    assertEquals(
        "application/vnd.glimpse.moderationresult.v2+avro", header(result, "content-type"));
    assertEquals(1, result.toArray().length - 1, "one content-type, the request's replaced");
    Headers cache = records.get(1).headers();
    assertNull(
        header(cache, "traceparent"), "a cache entry answers later events, not this one's trace");
    assertEquals(TOPICS.resultCache().contentType(), header(cache, "content-type"));
  }
}
