package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.contract.ResultCacheEntry;
import dev.glimpse.contract.Timings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ContractEvolutionTest {

  private static Schema v1() throws IOException {
    try (InputStream in =
        ContractEvolutionTest.class.getResourceAsStream("/schemas/ImageEvent.v1.avsc")) {
      return new Schema.Parser().parse(in);
    }
  }

  /** What a v1 producer puts on glimpse.images: a caption and a question about inline bytes. */
  private static byte[] writtenByV1(Schema v1) throws IOException {
    Schema image = v1.getField("image").schema().getTypes().get(0);
    GenericRecord inline = new GenericData.Record(image);
    inline.put("data", ByteBuffer.wrap(new byte[] {1, 2, 3}));
    Schema tasks = v1.getField("tasks").schema().getElementType();
    GenericRecord caption = new GenericData.Record(tasks.getTypes().get(0));
    GenericRecord question = new GenericData.Record(tasks.getTypes().get(1));
    question.put("question", "Who is there?");
    GenericRecord event = new GenericData.Record(v1);
    event.put("event_id", "old-1");
    event.put("client_id", "legacy-camera");
    event.put("timestamp", 1_700_000_000_000L);
    event.put("image", inline);
    event.put("tasks", List.of(caption, question));
    ByteBuffer encoded =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(event);
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);
    return bytes;
  }

  @Test
  void todaysReaderReadsWhatAV1ProducerWroteWhenTheV1SchemaIsInTheStore() throws IOException {
    Schema v1 = v1();
    byte[] bytes = writtenByV1(v1);

    ImageEvent event =
        Contract.withOlderWriters(List.of(v1)).imageEvents().deserialize("glimpse.images", bytes);

    assertEquals("old-1", event.getEventId());
    assertEquals("", event.getSource(), "new field takes its default");
    assertNull(event.getOptions());
    assertEquals(Map.of(), event.getAttributes());
    InlineImage image = (InlineImage) event.getImage();
    assertNull(image.getContentType());
    assertEquals(3, image.getData().remaining());
    assertTrue(event.getTasks().get(0) instanceof CaptionTask);
    assertEquals("Who is there?", ((QuestionTask) event.getTasks().get(1)).getQuestion());
  }

  @Test
  void anUnknownWriterSchemaFailsWithAMessageSayingHowToProduce() throws IOException {
    byte[] bytes = writtenByV1(v1());

    var e =
        assertThrows(
            SerializationException.class,
            () -> Contract.current().imageEvents().deserialize("glimpse.images", bytes));
    assertTrue(e.getMessage().contains("ImageEvent.getEncoder()"), e.getMessage());
  }

  @Test
  void aCurrentEventRoundTripsInSingleObjectEncoding() {
    AvroSerde<ImageEvent> serde = Contract.current().imageEvents();
    ImageEvent event =
        ImageEvent.newBuilder()
            .setEventId("e")
            .setClientId("c")
            .setTimestamp(Instant.ofEpochMilli(1))
            .setImage(new InlineImage(ByteBuffer.wrap(new byte[] {9}), "image/png"))
            .setTasks(List.of(new CaptionTask()))
            .build();

    byte[] bytes = serde.serialize("t", event);

    assertEquals((byte) 0xC3, bytes[0], "single-object marker");
    assertEquals((byte) 0x01, bytes[1]);
    assertEquals(event, serde.deserialize("t", bytes));
  }

  @Test
  void aVersion1RequestStillReadsWithItsOneTaskInTheLegacyFields() throws IOException {
    Schema v1 =
        Contract.shippedHistory().stream()
            .filter(x -> x.getName().equals("InferenceRequest"))
            .findFirst()
            .orElseThrow();
    Schema question = v1.getField("task").schema().getTypes().get(1);
    GenericRecord task = new GenericData.Record(question);
    task.put("question", "how many shapes are there");
    GenericRecord request = new GenericData.Record(v1);
    request.put("request_id", "e#1");
    request.put("event_id", "e");
    request.put("client_id", "c");
    request.put("task_index", 1);
    request.put("task", task);
    request.put("image", ByteBuffer.wrap(new byte[] {1, 2}));
    request.put("image_sha256", "ab");
    request.put("image_format", "png");
    request.put("model_id", "m");
    request.put("cache_key", "ab:f:m");
    request.put("event_timestamp", 1L);
    request.put("enqueued_at", 2L);
    ByteBuffer encoded =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(request);
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);

    var read = Contract.current().requests().deserialize("glimpse.requests", bytes);

    assertEquals(List.of(), read.getTasks(), "version 1 carried no task list");
    assertEquals(1, read.getTaskIndex());
    assertEquals("how many shapes are there", ((QuestionTask) read.getTask()).getQuestion());
    assertEquals("ab:f:m", read.getCacheKey());
  }

  private static Schema shipped(String name) {
    return Contract.shippedHistory().stream()
        .filter(x -> x.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  /** What a worker before per-category verdicts wrote: scores and one flag. */
  private static GenericRecord v1Moderation() {
    Schema v1 = shipped("ModerationResult");
    GenericRecord timings = new GenericData.Record(v1.getField("timings").schema());
    timings.put("queued_ms", 1L);
    timings.put("encode_ms", 2L);
    timings.put("generate_ms", 3L);
    timings.put("total_ms", 6L);
    GenericRecord result = new GenericData.Record(v1);
    result.put("event_id", "old-m");
    result.put("task_index", 2);
    result.put("model_id", "m");
    result.put("image_sha256", "sha");
    result.put("scores", Map.of("hazard", 0.75));
    result.put("flagged", true);
    result.put("timings", timings);
    result.put("from_cache", false);
    return result;
  }

  private static byte[] singleObject(Schema schema, GenericRecord record) throws IOException {
    ByteBuffer encoded =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);
    return bytes;
  }

  @Test
  void aModerationResultAV1WorkerWroteReadsWithNoVerdictsAndNoThresholds() throws IOException {
    byte[] bytes = singleObject(shipped("ModerationResult"), v1Moderation());

    ModerationResult read =
        Contract.current().moderation().deserialize("glimpse.moderation", bytes);

    assertEquals("old-m", read.getEventId());
    assertEquals(Map.of("hazard", 0.75), read.getScores());
    assertTrue(read.getFlagged());
    assertEquals(Map.of(), read.getCategories());
    assertEquals(Map.of(), read.getThresholds());
  }

  @Test
  void aResultCacheEntryOfAV1ModerationResultStillReads() throws IOException {
    Schema v1 = shipped("ResultCacheEntry");
    GenericRecord entry = new GenericData.Record(v1);
    entry.put("cached", v1Moderation());

    ResultCacheEntry read =
        Contract.current()
            .resultCache()
            .deserialize("glimpse.result-cache", singleObject(v1, entry));

    assertEquals(Map.of(), ((ModerationResult) read.getCached()).getCategories());
  }

  @Test
  void aReaderOfTheV1ModerationResultReadsTodaysResult() throws IOException {
    ModerationResult today =
        new ModerationResult(
            "e",
            0,
            "m",
            "sha",
            Map.of("hazard", 0.75),
            true,
            new Timings(1L, 2L, 3L, 6L),
            false,
            Map.of("hazard", true),
            Map.of("hazard", 0.5));
    byte[] bytes = Contract.current().moderation().serialize("glimpse.moderation", today);
    Schema v1 = shipped("ModerationResult");
    var store = new SchemaStore.Cache();
    store.addSchema(ModerationResult.getClassSchema());

    GenericRecord old =
        new BinaryMessageDecoder<GenericRecord>(GenericData.get(), v1, store).decode(bytes);

    assertEquals(true, old.get("flagged"));
    assertEquals(null, v1.getField("categories"), "the v1 reader knows nothing of the new fields");
  }

  @Test
  void eachContentTypeNamesItsRecordAndItsVersion() {
    Contract c = Contract.current();
    assertEquals("application/vnd.glimpse.captionresult.v1+avro", c.captions().contentType());
    assertEquals("application/vnd.glimpse.moderationresult.v2+avro", c.moderation().contentType());
    assertEquals("application/vnd.glimpse.inferencerequest.v2+avro", c.requests().contentType());
    assertEquals("application/vnd.glimpse.deadletter.v2+avro", c.deadLetters().contentType());
  }
}
