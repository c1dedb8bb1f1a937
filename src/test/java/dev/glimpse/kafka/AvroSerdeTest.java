package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.contract.QuestionTask;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
  /** Far above what decoding a 50-byte record needs, far below what its lies would cost. */
  private static final long ALLOCATION_CEILING = 4L << 20;

  private final AvroSerde<ImageEvent> serde = Contract.current().imageEvents();

  private static byte[] validEvent() {
    ImageEvent event =
        ImageEvent.newBuilder()
            .setEventId("ok-1")
            .setClientId("test")
            .setSource("unit")
            .setTimestamp(Instant.parse("2026-12-01T00:00:00Z"))
            .setImage(new InlineImage(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), "image/png"))
            .setTasks(List.of(new CaptionTask(), new QuestionTask("what?")))
            .setOptions(null)
            .setAttributes(Map.of("k", "v"))
            .build();
    return Contract.current().imageEvents().serialize("t", event);
  }

  /** Bytes the current thread allocated while {@code run} ran. */
  private static long allocatedBy(Runnable run) {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    run.run();
    return threads.getCurrentThreadAllocatedBytes() - before;
  }

  private void assertRefusedCheaply(byte[] value, String mustMention) {
    SerializationException[] thrown = new SerializationException[1];
    long allocated =
        allocatedBy(
            () ->
                thrown[0] =
                    assertThrows(
                        SerializationException.class, () -> serde.deserialize("t", value)));
    assertTrue(thrown[0].getMessage().contains(mustMention), thrown[0].getMessage());
    assertTrue(
        allocated < ALLOCATION_CEILING,
        "refusing a " + value.length + "-byte record allocated " + allocated + " bytes");
  }

  @Test
  void tasksArrayClaimingTwoToTheThirtyOneItemsIsRefusedWithoutAllocatingThem() {
    assertRefusedCheaply(CraftedRecords.hugeTasksCount(), "tasks claims 2147483639 items");
  }

  @Test
  void inlineBytesClaimingTwoGibibytesAreRefusedWithoutAllocatingThem() {
    assertRefusedCheaply(
        CraftedRecords.hugeBytesLength(), "data claims a length of 2147483648 bytes");
  }

  @Test
  void stringAndMapLengthsBeyondTheRecordAreRefused() {
    assertRefusedCheaply(
        CraftedRecords.hugeStringLength(), "event_id claims a length of 2147483639");
    assertRefusedCheaply(CraftedRecords.hugeMapCount(), "attributes claims 2147483639 items");
  }

  @Test
  void everyTruncationOfAValidEventIsRefused() {
    byte[] valid = validEvent();
    for (int length = 0; length < valid.length; length++) {
      byte[] cut = Arrays.copyOf(valid, length);
      assertThrows(
          SerializationException.class, () -> serde.deserialize("t", cut), "cut at " + length);
    }
  }

  @Test
  void randomBodiesDecodeOrFailAsSerializationErrorsOnly() {
    for (long seed = 0; seed < 5_000; seed++) {
      byte[] value = CraftedRecords.randomBody(seed);
      long allocated =
          allocatedBy(
              () -> {
                try {
                  serde.deserialize("t", value);
                } catch (SerializationException expected) {
                  // the only way a bad record may fail
                }
              });
      assertTrue(
          allocated < ALLOCATION_CEILING, "seed " + seed + " allocated " + allocated + " bytes");
    }
  }

  @Test
  void aValidEventStillDecodes() {
    ImageEvent event = serde.deserialize("t", validEvent());

    assertEquals("ok-1", event.getEventId());
    assertEquals(2, event.getTasks().size());
    assertEquals("v", event.getAttributes().get("k"));
  }

  @Test
  void zeroByteItemsCountAgainstTheRecordSize() {
    Schema nulls = SchemaBuilder.array().items().nullType();
    // a 2-byte datum: count 1000 (zig-zag varint 0xD0 0x0F), no items present, no terminator
    byte[] thousandNulls = {(byte) 0xD0, 0x0F, 0};
    byte[] oneNull = {0x02, 0};

    assertThrows(AvroBounds.Refused.class, () -> AvroBounds.check(nulls, thousandNulls, 0));
    AvroBounds.check(nulls, oneNull, 0);
  }

  @Test
  void aLeadingZeroWithoutARegistryIsNotAvroAndNamesTheRegistrySetting() {
    byte[] zeros = new byte[64];
    var e = assertThrows(SerializationException.class, () -> serde.deserialize("t", zeros));
    assertTrue(
        !(e instanceof RegistryException), "no registry asked: the bytes are refused as not Avro");
    assertTrue(e.getMessage().contains(RegistryConfig.URL), e.getMessage());
  }

  @Test
  void bytesStartingWithNeitherFramingNameBoth() {
    var e =
        assertThrows(
            SerializationException.class,
            () -> serde.deserialize("t", new byte[] {7, 1, 2, 3, 4, 5}));
    assertTrue(e.getMessage().contains("C3 01") && e.getMessage().contains("00"), e.getMessage());
  }
}
