package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.contract.QuestionTask;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ContractEvolutionTest {

  private static Schema v1() throws IOException {
    try (InputStream in = ContractEvolutionTest.class.getResourceAsStream("/schemas/ImageEvent.v1.avsc")) {
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
    ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(event);
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);
    return bytes;
  }

  @Test
  void todaysReaderReadsWhatAV1ProducerWroteWhenTheV1SchemaIsInTheStore() throws IOException {
    Schema v1 = v1();
    byte[] bytes = writtenByV1(v1);

    ImageEvent event = Contract.withOlderWriters(List.of(v1)).imageEvents().deserialize("glimpse.images", bytes);

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
            .setTimestamp(java.time.Instant.ofEpochMilli(1))
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
    Schema v1 = Contract.shippedHistory().stream().filter(x -> x.getName().equals("InferenceRequest")).findFirst()
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
    ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(request);
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);

    var read = Contract.current().requests().deserialize("glimpse.requests", bytes);

    assertEquals(List.of(), read.getTasks(), "version 1 carried no task list");
    assertEquals(1, read.getTaskIndex());
    assertEquals("how many shapes are there", ((QuestionTask) read.getTask()).getQuestion());
    assertEquals("ab:f:m", read.getCacheKey());
  }
}
