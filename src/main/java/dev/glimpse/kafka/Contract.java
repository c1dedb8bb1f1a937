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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The serdes of the topic contract ({@code schemas/*.avsc}), sharing one schema store of the older
 * writer schemas this process can still read.
 */
public final class Contract {
  private static final String HISTORY = "/dev/glimpse/schemas/history/";
  private final SchemaStore.Cache writers;
  private final Map<String, Integer> versions;
  private final Optional<SchemaRegistry> registry;
  private final Framing output;

  private Contract(
      SchemaStore.Cache writers,
      Map<String, Integer> versions,
      Optional<SchemaRegistry> registry,
      Framing output) {
    this.writers = writers;
    this.versions = Map.copyOf(versions);
    this.registry = registry;
    this.output = output;
  }

  /**
   * Like {@link #current()}, reading registry-framed records through the registry the config names
   * and writing the framing it chooses.
   */
  public static Contract current(RegistryConfig config) {
    return current().withRegistry(config);
  }

  /** This contract with the config's registry and output framing. */
  public Contract withRegistry(RegistryConfig config) {
    return new Contract(writers, versions, SchemaRegistry.of(config), config.output());
  }

  public Optional<SchemaRegistry> registry() {
    return registry;
  }

  /**
   * Reads what the current schemas wrote and what every released older version wrote ({@code
   * schemas/history/}, bundled in the jar).
   */
  public static Contract current() {
    return withOlderWriters(shippedHistory());
  }

  /** The released older schema versions, as listed in {@code schemas/history/versions.txt}. */
  public static List<Schema> shippedHistory() {
    List<Schema> schemas = new ArrayList<>();
    for (String file :
        resource("versions.txt").lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
      schemas.add(new Schema.Parser().parse(resource(file)));
    }
    return List.copyOf(schemas);
  }

  private static String resource(String name) {
    try (InputStream in = Contract.class.getResourceAsStream(HISTORY + name)) {
      if (in == null) {
        throw new IllegalStateException(
            "the jar lacks " + HISTORY + name + "; rebuild it with mvn package");
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
    Map<String, Integer> versions = new HashMap<>();
    olderWriterSchemas.forEach(s -> versions.merge(s.getFullName(), 1, Integer::sum));
    return new Contract(cache, versions, Optional.empty(), Framing.SINGLE_OBJECT);
  }

  public SchemaStore schemaStore() {
    return writers;
  }

  /**
   * The {@code content-type} header of records with this schema: {@code
   * application/vnd.glimpse.<record name, lower case>.v<N>+avro}, N the schema's version (one more
   * than its released older versions in {@code schemas/history/}). The framing is not in it:
   * readers tell it from the first bytes.
   */
  public String contentType(Schema schema) {
    int version = versions.getOrDefault(schema.getFullName(), 0) + 1;
    return "application/vnd.glimpse."
        + schema.getName().toLowerCase(Locale.ROOT)
        + ".v"
        + version
        + "+avro";
  }

  private <T extends SpecificRecord> AvroSerde<T> serde(
      Class<T> type, BinaryMessageEncoder<T> encoder, BinaryMessageDecoder<T> decoder) {
    return new AvroSerde<>(
        type,
        writers,
        encoder,
        decoder,
        registry,
        output,
        contentType(SpecificData.get().getSchema(type)));
  }

  public AvroSerde<ImageEvent> imageEvents() {
    return serde(ImageEvent.class, ImageEvent.getEncoder(), ImageEvent.createDecoder(writers));
  }

  public AvroSerde<InferenceRequest> requests() {
    return serde(
        InferenceRequest.class,
        InferenceRequest.getEncoder(),
        InferenceRequest.createDecoder(writers));
  }

  public AvroSerde<CaptionResult> captions() {
    return serde(
        CaptionResult.class, CaptionResult.getEncoder(), CaptionResult.createDecoder(writers));
  }

  public AvroSerde<AnswerResult> answers() {
    return serde(
        AnswerResult.class, AnswerResult.getEncoder(), AnswerResult.createDecoder(writers));
  }

  public AvroSerde<ModerationResult> moderation() {
    return serde(
        ModerationResult.class,
        ModerationResult.getEncoder(),
        ModerationResult.createDecoder(writers));
  }

  public AvroSerde<ResultCacheEntry> resultCache() {
    return serde(
        ResultCacheEntry.class,
        ResultCacheEntry.getEncoder(),
        ResultCacheEntry.createDecoder(writers));
  }

  public AvroSerde<DeadLetter> deadLetters() {
    return serde(DeadLetter.class, DeadLetter.getEncoder(), DeadLetter.createDecoder(writers));
  }
}
