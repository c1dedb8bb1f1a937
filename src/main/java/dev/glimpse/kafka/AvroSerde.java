package dev.glimpse.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for an Avro-generated class in single-object encoding ({@code C3 01}, the 8-byte
 * CRC-64-AVRO fingerprint of the writer schema, then the binary body). No schema registry: the
 * decoder resolves older writer schemas through the {@link org.apache.avro.message.SchemaStore}
 * it was created with.
 */
public final class AvroSerde<T extends SpecificRecord>
    implements Serde<T>, Serializer<T>, Deserializer<T> {
  private final Class<T> type;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  public AvroSerde(
      Class<T> type, BinaryMessageEncoder<T> encoder, BinaryMessageDecoder<T> decoder) {
    this.type = type;
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
      return decoder.decode(bytes);
    } catch (IOException | RuntimeException e) {
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
