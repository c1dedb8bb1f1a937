package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.kafka.OlderWriters;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.stream.Ingest;
import dev.glimpse.stream.TestEvents;
import dev.glimpse.task.CacheKey;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Every shipped schema version is still served, end to end on a real broker: an ImageEvent written
 * with each version (today's and every one in {@code schemas/history/versions.txt}) gets its
 * caption through ingest and the worker, and an InferenceRequest written with each older version (a
 * request an older ingest left on the topic) gets its caption from the worker. The versions are
 * read from the history, so one added there is tested without touching this class.
 */
class OlderSchemaVersionsIT {

  @Test
  void anEventOrRequestWrittenWithEveryShippedVersionIsAnswered() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        VisionLanguageModel model = PipelineScenario.tinyModel()) {
      everyShippedVersionIsAnswered(
          new PipelineScenario(broker.bootstrapServers(), model), model.modelId());
    }
  }

  private static void everyShippedVersionIsAnswered(PipelineScenario scenario, String modelId)
      throws Exception {
    List<Schema> eventVersions = new ArrayList<>(OlderWriters.shipped("ImageEvent"));
    eventVersions.add(ImageEvent.getClassSchema());
    List<Schema> requestVersions = OlderWriters.shipped("InferenceRequest");
    assertFalse(
        requestVersions.isEmpty(),
        "the history holds InferenceRequest v1, which the worker still reads");

    try (Ingest ingest = scenario.startIngest();
        PipelineScenario.Outputs out = scenario.new Outputs(ingest);
        Worker worker = scenario.worker(ingest, 4)) {
      worker.start();
      // event id -> the writer schema it was written with
      Map<String, Schema> written = new LinkedHashMap<>();
      int image = 0;
      try (var producer = scenario.producer()) {
        for (Schema v : eventVersions) {
          String id = "event-" + OlderWriters.fingerprint(v) + "-" + scenario.runId();
          ImageEvent event =
              TestEvents.inline(id, scenario.image(image++), List.of(new CaptionTask()));
          producer.send(
              new ProducerRecord<>(
                  ingest.topics().images().name(), id, OlderWriters.writtenBy(v, event)));
          written.put(id, v);
        }
        for (Schema v : requestVersions) {
          String id = "request-" + OlderWriters.fingerprint(v) + "-" + scenario.runId();
          InferenceRequest request = legacyRequest(id, scenario.image(image++), modelId);
          producer.send(
              new ProducerRecord<>(
                  ingest.topics().requests().name(),
                  request.getImageSha256(),
                  OlderWriters.writtenBy(v, request)));
          written.put(id, v);
        }
        producer.flush();
      }

      out.pollUntil(
          () -> out.captions.size() >= written.size() || !out.deadLetters.isEmpty(),
          "a caption for each of " + written.keySet());
      out.settle(java.time.Duration.ofSeconds(2));

      assertEquals(List.of(), out.deadLetters, "dead letters");
      assertEquals(
          new TreeSet<>(written.keySet().stream().map(id -> id + "#0").toList()),
          new TreeSet<>(out.resultsPerTask.keySet()),
          "one caption per version");
      out.resultsPerTask.forEach((task, n) -> assertEquals(1, n, "captions for " + task));
    }
  }

  /**
   * A caption request in the shape of version 1 (one task per record, in task_index, task and
   * cache_key; no task list), as today's class holds it.
   */
  private static InferenceRequest legacyRequest(String eventId, byte[] png, String modelId) {
    String sha = CacheKey.sha256(png);
    Instant now = Instant.now();
    return InferenceRequest.newBuilder()
        .setRequestId(eventId + "#0")
        .setEventId(eventId)
        .setClientId("older-ingest")
        .setTasks(List.of())
        .setImage(ByteBuffer.wrap(png))
        .setImageSha256(sha)
        .setImageFormat("png")
        .setOptions(null)
        .setModelId(modelId)
        .setEventTimestamp(now)
        .setEnqueuedAt(now)
        .setTaskIndex(0)
        .setTask(new CaptionTask())
        // today's worker keys the result itself; version 1 carried ingest's key here
        .setCacheKey(sha + ":caption:" + modelId)
        .build();
  }
}
