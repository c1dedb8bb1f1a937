package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.kafka.RegistryException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Decodes the raw value into an {@link ImageEvent}, single-object encoded or registry-framed (the
 * serde tells them apart by the first bytes); bytes that are not one become a NOT_AVRO rejection
 * that keeps the original bytes and their topic, partition and offset, and a registry-framed record
 * whose schema the registry cannot give becomes UNKNOWN_SCHEMA_ID or SCHEMA_REGISTRY_UNAVAILABLE.
 * Whatever the decoder throws, a stack overflow or an OutOfMemoryError included, is about these
 * bytes alone, so it ends here as NOT_AVRO: a better code than the INTERNAL_ERROR that {@link
 * RecordErrors} would give it in any later step.
 */
final class Decode implements FixedKeyProcessor<byte[], byte[], Verdict<ImageEvent>> {
  private final Deserializer<ImageEvent> serde;
  private FixedKeyProcessorContext<byte[], Verdict<ImageEvent>> context;

  Decode(Deserializer<ImageEvent> serde) {
    this.serde = serde;
  }

  @Override
  public void init(FixedKeyProcessorContext<byte[], Verdict<ImageEvent>> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<byte[], byte[]> record) {
    RecordMetadata meta = context.recordMetadata().orElseThrow();
    Origin origin =
        new Origin(
            meta.topic(),
            meta.partition(),
            meta.offset(),
            record.timestamp(),
            record.key(),
            record.value());
    Verdict<ImageEvent> decoded;
    try {
      ImageEvent event = serde.deserialize(meta.topic(), record.value());
      if (event == null) {
        throw new SerializationException("the record has no value");
      }
      decoded = Verdict.accepted(origin, event.getEventId(), event);
    } catch (RegistryException e) {
      decoded = Verdict.rejected(origin, null, new Rejected(e.code(), e.getMessage()));
    } catch (SerializationException e) {
      // the serde's own message ends in the same advice this one gives: keep only its reason
      decoded = notAvro(origin, e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
    } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
      // the serde wraps what it expects; anything else is still about these bytes alone
      decoded = notAvro(origin, e.toString());
    }
    context.forward(record.withValue(decoded));
  }

  private static Verdict<ImageEvent> notAvro(Origin origin, String why) {
    return Verdict.rejected(
        origin,
        null,
        new Rejected(
            ErrorCode.NOT_AVRO,
            "the value is not an Avro ImageEvent, single-object encoded or registry-framed ("
                + why
                + "): produce it with ImageEvent.getEncoder(), the glimpse serde or a schema"
                + " registry serde"));
  }
}
