package dev.glimpse.kafka;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.ResultCacheEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;

/**
 * The serdes of the topic contract ({@code schemas/*.avsc}), sharing one schema store of the older
 * writer schemas this process can still read.
 */
public final class Contract {
  private static final String HISTORY = "/dev/glimpse/schemas/history/";
  private final SchemaStore.Cache writers;

  private Contract(SchemaStore.Cache writers) {
    this.writers = writers;
  }

  /**
   * Reads what the current schemas wrote and what every released older version wrote
   * ({@code schemas/history/}, bundled in the jar).
   */
  public static Contract current() {
    return withOlderWriters(shippedHistory());
  }

  /** The released older schema versions, as listed in {@code schemas/history/versions.txt}. */
  public static List<Schema> shippedHistory() {
    List<Schema> schemas = new ArrayList<>();
    for (String file : resource("versions.txt").lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
      schemas.add(new Schema.Parser().parse(resource(file)));
    }
    return List.copyOf(schemas);
  }

  private static String resource(String name) {
    try (InputStream in = Contract.class.getResourceAsStream(HISTORY + name)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks " + HISTORY + name + "; rebuild it with mvn package");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  public AvroSerde<ResultCacheEntry> resultCache() {
    return new AvroSerde<>(
        ResultCacheEntry.class,
        writers,
        ResultCacheEntry.getEncoder(),
        ResultCacheEntry.createDecoder(writers));
  }

  public AvroSerde<DeadLetter> deadLetters() {
    return new AvroSerde<>(
        DeadLetter.class,
        writers,
        DeadLetter.getEncoder(),
        DeadLetter.createDecoder(writers));
  }
}
