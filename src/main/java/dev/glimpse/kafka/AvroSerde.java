package dev.glimpse.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for an Avro-generated class in single-object encoding ({@code C3 01}, the 8-byte
 * CRC-64-AVRO fingerprint of the writer schema, then the binary body). No schema registry: the
 * decoder resolves older writer schemas through the {@link org.apache.avro.message.SchemaStore}
 * it was created with. Before decoding, the body is checked against its writer schema
 * ({@link AvroBounds}) so that no record makes this process allocate much more than its own size.
 */
public final class AvroSerde<T extends SpecificRecord>
    implements Serde<T>, Serializer<T>, Deserializer<T> {
  /** {@code C3 01} and the 8-byte fingerprint. */
  private static final int HEADER_BYTES = 10;

  private final Class<T> type;
  private final Schema schema;
  private final long fingerprint;
  private final SchemaStore writers;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  /**
   * @param writers the older writer schemas {@code decoder} resolves; the bounds check needs them
   *     too, to walk a record the way it was written
   */
  public AvroSerde(
      Class<T> type,
      SchemaStore writers,
      BinaryMessageEncoder<T> encoder,
      BinaryMessageDecoder<T> decoder) {
    this.type = type;
    this.schema = SpecificData.get().getSchema(type);
    this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    this.writers = writers;
    this.encoder = encoder;
    this.decoder = decoder;
  }

  public Class<T> type() {
    return type;
  }

  @Override
  public byte[] serialize(String topic, T value) {
    if (value == null) {
      return null;
    }
    try {
      ByteBuffer buffer = encoder.encode(value);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException e) {
      throw new SerializationException(
          "cannot encode " + type.getSimpleName() + " for topic " + topic, e);
    }
  }

  /** Decodes, or throws {@link SerializationException} for bytes that are not this contract. */
  @Override
  public T deserialize(String topic, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      checkBounds(bytes);
      return decoder.decode(bytes);
    } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
      // the two errors can only come from this record's own allocation or nesting (the bounds
      // check makes both unlikely): the process can go on, so they become this record's refusal
      throw new SerializationException(
          "the bytes on topic "
              + topic
              + " are not a single-object-encoded "
              + type.getSimpleName()
              + " ("
              + e.getMessage()
              + "): produce with "
              + type.getSimpleName()
              + ".getEncoder()",
          e);
    }
  }

  /**
   * Walks the body over its writer schema when the header names one this serde knows; other
   * headers are left to the decoder, which refuses them before it allocates anything.
   */
  private void checkBounds(byte[] bytes) {
    if (bytes.length < HEADER_BYTES || bytes[0] != (byte) 0xC3 || bytes[1] != 0x01) {
      return;
    }
    long written = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    Schema writer = written == fingerprint ? schema : writers.findByFingerprint(written);
    if (writer != null) {
      try {
        AvroBounds.check(writer, bytes, HEADER_BYTES);
      } catch (AvroBounds.Refused e) {
        throw new SerializationException(
            "the " + bytes.length + "-byte record does not hold what it claims: "
                + e.getMessage(), e);
      }
    }
  }

  @Override
  public void configure(java.util.Map<String, ?> configs, boolean isKey) {
    // configured at construction
  }

  @Override
  public void close() {
    // nothing to release
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }
}
