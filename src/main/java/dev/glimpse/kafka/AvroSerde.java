package dev.glimpse.kafka;

import dev.glimpse.contract.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for an Avro-generated class. It reads both framings ({@link Framing}), told apart by
 * each record's first bytes: single-object ({@code C3 01}, the 8-byte CRC-64-AVRO fingerprint of
 * the writer schema, the body), whose older writer schemas come from the {@link
 * org.apache.avro.message.SchemaStore} it was created with, and the registry's ({@code 00}, a
 * 4-byte big-endian schema id, the body), whose writer schemas come from the schema registry. It
 * writes the framing the contract was configured with. Before decoding, the body is checked against
 * its writer schema ({@link AvroBounds}) so that no record makes this process allocate much more
 * than its own size.
 */
public final class AvroSerde<T extends SpecificRecord>
    implements Serde<T>, Serializer<T>, Deserializer<T> {
  private final Class<T> type;
  private final Schema schema;
  private final SpecificData model;
  private final long fingerprint;
  private final SchemaStore writers;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;
  private final Optional<SchemaRegistry> registry;
  private final Framing output;
  private final String contentType;

  /**
   * The registry id of {@link #schema} per topic written (one lookup per topic, not per record).
   */
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();

  /**
   * @param writers the older writer schemas {@code decoder} resolves; the bounds check needs them
   *     too, to walk a record the way it was written
   * @param registry where registry-framed records' writer schemas come from, and where this serde
   *     registers its schema when {@code output} is {@link Framing#REGISTRY}
   * @param contentType the {@code content-type} header of what this serde writes
   */
  AvroSerde(
      Class<T> type,
      SchemaStore writers,
      BinaryMessageEncoder<T> encoder,
      BinaryMessageDecoder<T> decoder,
      Optional<SchemaRegistry> registry,
      Framing output,
      String contentType) {
    if (output == Framing.REGISTRY && registry.isEmpty()) {
      throw new IllegalArgumentException("registry framing needs a schema registry");
    }
    this.type = type;
    this.schema = SpecificData.get().getSchema(type);
    this.model = SpecificData.getForClass(type);
    this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    this.writers = writers;
    this.encoder = encoder;
    this.decoder = decoder;
    this.registry = registry;
    this.output = output;
    this.contentType = contentType;
  }

  public Class<T> type() {
    return type;
  }

  public Schema schema() {
    return schema;
  }

  /** The framing this serde writes. */
  public Framing output() {
    return output;
  }

  /**
   * The {@code content-type} header value of what this serde writes ({@code schemas/README.md}).
   */
  public String contentType() {
    return contentType;
  }

  /**
   * Registers this serde's schema under {@code <topic>-value} when it writes registry framing (a
   * no-op otherwise), so that a start fails loudly on a registry that refuses it.
   *
   * @return the schema's registry id, or empty for single-object output
   */
  public Optional<Integer> register(String topic) {
    return output == Framing.REGISTRY
        ? Optional.of(
            ids.computeIfAbsent(topic, t -> registry.orElseThrow().register(subject(t), schema)))
        : Optional.empty();
  }

  /** The subject a topic's values are registered under (Confluent's TopicNameStrategy). */
  public static String subject(String topic) {
    return topic + "-value";
  }

  @Override
  public byte[] serialize(String topic, T value) {
    if (value == null) {
      return null;
    }
    try {
      if (output == Framing.REGISTRY) {
        int id = register(topic).orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder body = EncoderFactory.get().directBinaryEncoder(out, null);
        new SpecificDatumWriter<T>(schema, model).write(value, body);
        body.flush();
        return out.toByteArray();
      }
      ByteBuffer buffer = encoder.encode(value);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException e) {
      throw new SerializationException(
          "cannot encode " + type.getSimpleName() + " for topic " + topic, e);
    }
  }

  /**
   * Decodes, or throws {@link SerializationException} for bytes that are not this contract ({@link
   * RegistryException}, with its error code, when the registry has no schema for them).
   */
  @Override
  public T deserialize(String topic, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    Framing framing = Framing.detect(bytes);
    if (framing == null) {
      throw new SerializationException(
          "the bytes on topic "
              + topic
              + " are not an Avro "
              + type.getSimpleName()
              + ": they start"
              + " with neither C3 01 (single-object encoding) nor 00 (schema registry framing)");
    }
    try {
      return framing == Framing.REGISTRY ? fromRegistryFraming(bytes) : fromSingleObject(bytes);
    } catch (RegistryException e) {
      throw e;
    } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
      // the two errors can only come from this record's own allocation or nesting (the bounds
      // check makes both unlikely): the process can go on, so they become this record's refusal
      throw new SerializationException(
          "the bytes on topic "
              + topic
              + " are not a "
              + (framing == Framing.REGISTRY ? "registry-framed " : "single-object-encoded ")
              + type.getSimpleName()
              + " ("
              + e.getMessage()
              + "): produce with "
              + type.getSimpleName()
              + ".getEncoder() or a schema registry serde",
          e);
    }
  }

  private T fromSingleObject(byte[] bytes) throws IOException {
    long written = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    Schema writer = written == fingerprint ? schema : writers.findByFingerprint(written);
    // an unknown fingerprint is left to the decoder, which refuses it before it allocates anything
    if (writer != null) {
      checkBounds(writer, bytes, Framing.SINGLE_OBJECT_HEADER);
    }
    return decoder.decode(bytes);
  }

  private T fromRegistryFraming(byte[] bytes) throws IOException {
    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    if (registry.isEmpty()) {
      // without a registry a leading 00 is as likely garbage as framing: NOT_AVRO, with the hint
      throw new IOException(
          "it starts like a schema registry's framing (00, schema id "
              + id
              + ") but no registry is configured: if it is one, set "
              + RegistryConfig.URL
              + " to the registry its producer uses");
    }
    Schema writer = registry.get().schema(id);
    if (!writer.getFullName().equals(schema.getFullName())) {
      throw new RegistryException(
          ErrorCode.NOT_AVRO,
          "schema id "
              + id
              + " is "
              + writer.getFullName()
              + ", not "
              + schema.getFullName()
              + ": produce "
              + type.getSimpleName()
              + "s to this topic",
          null);
    }
    checkBounds(writer, bytes, Framing.REGISTRY_HEADER);
    var in =
        DecoderFactory.get()
            .binaryDecoder(
                bytes, Framing.REGISTRY_HEADER, bytes.length - Framing.REGISTRY_HEADER, null);
    return new SpecificDatumReader<T>(writer, schema, model).read(null, in);
  }

  private static void checkBounds(Schema writer, byte[] bytes, int offset) {
    try {
      AvroBounds.check(writer, bytes, offset);
    } catch (AvroBounds.Refused e) {
      throw new SerializationException(
          "the " + bytes.length + "-byte record does not hold what it claims: " + e.getMessage(),
          e);
    }
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
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
