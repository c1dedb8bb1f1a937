package dev.glimpse.kafka;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.ModerationResult;
import java.util.Collection;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;

/**
 * The serdes of the topic contract ({@code schemas/*.avsc}), sharing one schema store of the older
 * writer schemas this process can still read.
 */
public final class Contract {
  private final SchemaStore.Cache writers;

  private Contract(SchemaStore.Cache writers) {
    this.writers = writers;
  }

  /** Reads only what the current schemas wrote. */
  public static Contract current() {
    return new Contract(new SchemaStore.Cache());
  }

  /** Also reads records written with these older schemas (evolution by Avro resolution). */
  public static Contract withOlderWriters(Collection<Schema> olderWriterSchemas) {
    SchemaStore.Cache cache = new SchemaStore.Cache();
    olderWriterSchemas.forEach(cache::addSchema);
    return new Contract(cache);
  }

  public SchemaStore schemaStore() {
    return writers;
  }

  public AvroSerde<ImageEvent> imageEvents() {
    return new AvroSerde<>(
        ImageEvent.class,
        writers,
        ImageEvent.getEncoder(),
        ImageEvent.createDecoder(writers));
  }

  public AvroSerde<InferenceRequest> requests() {
    return new AvroSerde<>(
        InferenceRequest.class,
        writers,
        InferenceRequest.getEncoder(),
        InferenceRequest.createDecoder(writers));
  }

  public AvroSerde<CaptionResult> captions() {
    return new AvroSerde<>(
        CaptionResult.class,
        writers,
        CaptionResult.getEncoder(),
        CaptionResult.createDecoder(writers));
  }

  public AvroSerde<AnswerResult> answers() {
    return new AvroSerde<>(
        AnswerResult.class,
        writers,
        AnswerResult.getEncoder(),
        AnswerResult.createDecoder(writers));
  }

  public AvroSerde<ModerationResult> moderation() {
    return new AvroSerde<>(
        ModerationResult.class,
        writers,
        ModerationResult.getEncoder(),
        ModerationResult.createDecoder(writers));
  }

  public AvroSerde<DeadLetter> deadLetters() {
    return new AvroSerde<>(
        DeadLetter.class,
        writers,
        DeadLetter.getEncoder(),
        DeadLetter.createDecoder(writers));
  }
}
