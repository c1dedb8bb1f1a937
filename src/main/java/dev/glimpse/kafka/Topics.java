package dev.glimpse.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed topics of the pipeline, built once from the topic specs ({@code topology/topics.json},
 * bundled in the jar as {@value #BUNDLED}) and the contract serdes. Keys are strings: the event id
 * on images, results and dead letters, the image hash on requests, the cache key on the result
 * cache.
 */
public record Topics(
    Topic<String, ImageEvent> images,
    Topic<String, InferenceRequest> requests,
    Topic<String, CaptionResult> captions,
    Topic<String, AnswerResult> answers,
    Topic<String, ModerationResult> moderation,
    Topic<String, ResultCacheEntry> resultCache,
    Topic<String, DeadLetter> dlq,
    List<TopicSpec> specs) {
  public static final String BUNDLED = "/dev/glimpse/topology/topics.json";
  private static final List<String> ROLES =
      List.of("images", "requests", "captions", "answers", "moderation", "result_cache", "dlq");

  public Topics {
    specs = List.copyOf(specs);
  }

  public static Topics from(List<TopicSpec> specs, Contract contract) {
    Map<String, String> names = new LinkedHashMap<>();
    specs.forEach(s -> names.put(s.role(), s.name()));
    for (String role : ROLES) {
      if (!names.containsKey(role)) {
        throw new IllegalArgumentException(
            "the topic specs have no topic for role '" + role + "': add it to topics.json");
      }
    }
    var keys = Serdes.String();
    return new Topics(
        new Topic<>(names.get("images"), keys, contract.imageEvents()),
        new Topic<>(names.get("requests"), keys, contract.requests()),
        new Topic<>(names.get("captions"), keys, contract.captions()),
        new Topic<>(names.get("answers"), keys, contract.answers()),
        new Topic<>(names.get("moderation"), keys, contract.moderation()),
        new Topic<>(names.get("result_cache"), keys, contract.resultCache()),
        new Topic<>(names.get("dlq"), keys, contract.deadLetters()),
        specs);
  }

  /**
   * Registers the value schema of every topic Glimpse writes under {@code <topic>-value}, when the
   * contract writes registry framing (otherwise nothing happens).
   *
   * @throws SchemaRegistry.Unusable when the registry cannot be reached or refuses a schema
   */
  public void registerSchemas() {
    for (Topic<String, ?> t : List.of(requests, captions, answers, moderation, resultCache, dlq)) {
      if (t.valueSerde() instanceof AvroSerde<?> avro) {
        avro.register(t.name());
      }
    }
  }

  /** The specs bundled in the jar (a copy of topology/topics.json). */
  public static List<TopicSpec> bundledSpecs() {
    try (InputStream in = Topics.class.getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IllegalStateException("topic specs " + BUNDLED + " missing from the classpath");
      }
      return parseSpecs(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<TopicSpec> specsFrom(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return parseSpecs(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read topic specs " + file, e);
    }
  }

  static List<TopicSpec> parseSpecs(InputStream json) throws IOException {
    JsonNode topics = new ObjectMapper().readTree(json).path("topics");
    if (!topics.isObject()) {
      throw new IllegalArgumentException("topic specs need an object 'topics': {role: spec}");
    }
    List<TopicSpec> specs = new ArrayList<>();
    var fields = topics.fields();
    while (fields.hasNext()) {
      var entry = fields.next();
      JsonNode spec = entry.getValue();
      Map<String, String> configs = new LinkedHashMap<>();
      spec.path("configs")
          .fields()
          .forEachRemaining(c -> configs.put(c.getKey(), c.getValue().asText()));
      Optional<Short> replication =
          spec.hasNonNull("replication_factor")
              ? Optional.of((short) spec.get("replication_factor").asInt())
              : Optional.empty();
      specs.add(
          new TopicSpec(
              entry.getKey(),
              spec.path("name").asText(null),
              spec.path("partitions").asInt(1),
              replication,
              configs));
    }
    return specs;
  }
}
