package dev.glimpse.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Records as producers of released older schema versions write them, for tests that every shipped
 * version is still served.
 */
public final class OlderWriters {
  private OlderWriters() {}

  /**
   * The released older versions of a record, in the order of {@code schemas/history/versions.txt}.
   */
  public static List<Schema> shipped(String recordName) {
    return Contract.shippedHistory().stream().filter(s -> s.getName().equals(recordName)).toList();
  }

  /** The schema's CRC-64-AVRO fingerprint in hex, as schemas/README.md lists it. */
  public static String fingerprint(Schema schema) {
    return String.format("%016x", SchemaNormalization.parsingFingerprint64(schema));
  }

  /**
   * The single-object bytes a producer on the {@code older} schema writes for the same content: the
   * record is carried onto the older schema by Avro's own resolution (fields the older one lacks
   * are dropped, its fields take the record's values), then encoded with it, so a future version in
   * the history is covered without a hand-made sample.
   */
  public static byte[] writtenBy(Schema older, SpecificRecord record) {
    Schema current = record.getSchema();
    try {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(body, null);
      new SpecificDatumWriter<SpecificRecord>(current, SpecificData.getForClass(record.getClass()))
          .write(record, encoder);
      encoder.flush();
      GenericRecord asOlder =
          new GenericDatumReader<GenericRecord>(current, older)
              .read(null, DecoderFactory.get().binaryDecoder(body.toByteArray(), null));
      ByteBuffer framed =
          new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(asOlder);
      byte[] bytes = new byte[framed.remaining()];
      framed.get(bytes);
      return bytes;
    } catch (AvroTypeException e) {
      throw new IllegalStateException(
          "a "
              + current.getName()
              + " of today cannot be written as the older version "
              + fingerprint(older)
              + " ("
              + e.getMessage()
              + "): give that version a hand-made sample",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
