package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InlineImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/** The test helper that writes today's records as older schema versions would. */
class OlderWritersTest {

  @Test
  void aRecordWrittenAsAnOlderVersionCarriesThatVersionsFingerprintAndReadsBackWithDefaults()
      throws IOException {
    Schema older;
    try (InputStream in =
        OlderWritersTest.class.getResourceAsStream("/schemas/ImageEvent.v1.avsc")) {
      older = new Schema.Parser().parse(in);
    }
    ImageEvent today =
        ImageEvent.newBuilder()
            .setEventId("e")
            .setClientId("c")
            .setSource("dropped by v1")
            .setTimestamp(Instant.ofEpochMilli(1_700_000_000_000L))
            .setImage(new InlineImage(ByteBuffer.wrap(new byte[] {1, 2, 3}), "image/png"))
            .setTasks(List.of(new CaptionTask()))
            .setAttributes(Map.of("k", "dropped too"))
            .build();

    byte[] bytes = OlderWriters.writtenBy(older, today);

    long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(SchemaNormalization.parsingFingerprint64(older), fingerprint);
    ImageEvent read =
        Contract.withOlderWriters(List.of(older))
            .imageEvents()
            .deserialize("glimpse.images", bytes);
    assertEquals("e", read.getEventId());
    assertEquals(today.getTimestamp(), read.getTimestamp());
    assertEquals("", read.getSource(), "a field v1 lacks comes back as its default");
    assertEquals(Map.of(), read.getAttributes());
    assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), ((InlineImage) read.getImage()).getData());
  }
}
