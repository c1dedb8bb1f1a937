package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.FromStart;
import dev.glimpse.kafka.RegistryConfig;
import dev.glimpse.kafka.Topics;
import io.apicurio.registry.resolver.config.SchemaResolverConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Ingest against a real schema registry (Apicurio, through its Confluent-compatible API) and a real
 * broker, writing registry framing: events framed the registry's way, by Glimpse's own client and
 * by Apicurio's serde, and single-object events on the same topic all become requests; requests are
 * written framed, their schema registered; headers travel; an unknown schema id is a dead letter
 * with a code, keeping the record's key. Subclasses say where broker and registry run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RegistryFramingScenario {
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final String TRACEPARENT =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private String bootstrap;
  private String registryBase;
  private Ingest ingest;
  private Topics topics;

  /** The broker's bootstrap servers, started. */
  abstract String startBroker() throws Exception;

  /** The registry's base URL ({@code http://host:port}), started. */
  abstract String startRegistry() throws Exception;

  abstract void stopBackends() throws Exception;

  @BeforeAll
  void start() throws Exception {
    registryBase = startRegistry();
    bootstrap = startBroker();
    Map<String, String> registrySettings =
        Map.of(RegistryConfig.URL, ccompatUrl(), RegistryConfig.OUTPUT_FRAMING, "registry");
    String app = "registry-it-" + UUID.randomUUID();
    Map<String, String> settings = new HashMap<>(registrySettings);
    settings.putAll(TestIngestSettings.of(bootstrap, app, "it-model"));
    ingest = Ingest.start(IngestConfig.from(settings));
    topics =
        Topics.from(Topics.bundledSpecs(), Contract.current(RegistryConfig.from(registrySettings)));
  }

  @AfterAll
  void stop() throws Exception {
    if (ingest != null) {
      ingest.close();
    }
    stopBackends();
  }

  private String ccompatUrl() {
    return registryBase + "/apis/ccompat/v7";
  }

  private String get(String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(ccompatUrl() + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void eventFramedByGlimpsesRegistryClientIsAnsweredWithARegistryFramedRequest() throws Exception {
    ImageEvent event = TestEvents.inline("own-client", TestImages.png(1), TestEvents.threeTasks());
    byte[] framed =
        topics.images().valueSerde().serializer().serialize(topics.images().name(), event);
    assertEquals(0, framed[0], "registry framing starts with the magic byte 0");

    ConsumerRecord<byte[], byte[]> request = send("own-client", framed, requestFor("own-client"));

    assertEquals(0, request.value()[0], "the request is registry-framed");
    int id = ByteBuffer.wrap(request.value(), 1, 4).getInt();
    var schema = new ObjectMapper().readTree(get("/schemas/ids/" + id)).path("schema").asText();
    assertTrue(schema.contains("\"InferenceRequest\""), schema);
    var latest =
        new ObjectMapper()
            .readTree(get("/subjects/" + topics.requests().name() + "-value/versions/latest"));
    assertEquals(
        id,
        latest.path("id").asInt(),
        "the request's id is the one registered under <topic>-value");
    assertEquals(TRACEPARENT, header(request.headers(), "traceparent"));
    assertEquals("congo=t61rcWkgMzE", header(request.headers(), "tracestate"));
    assertEquals(topics.requests().contentType(), header(request.headers(), "content-type"));
    assertEquals(
        "application/vnd.glimpse.inferencerequest.v2+avro", topics.requests().contentType());
  }

  @Test
  void eventFramedByApicuriosOwnSerdeIsAnsweredWithARequest() throws Exception {
    ImageEvent event =
        TestEvents.inline("apicurio-serde", TestImages.png(2), TestEvents.threeTasks());
    byte[] framed;
    // a Vertx of the test's own, closed with it: without one the client starts a shared default
    // instance (and warns that production code should manage its own)
    Vertx vertx = Vertx.vertx();
    try (AvroKafkaSerializer<ImageEvent> apicurio = new AvroKafkaSerializer<>()) {
      apicurio.configure(
          Map.of(
              "apicurio.registry.url",
              registryBase + "/apis/registry/v3",
              "apicurio.registry.auto-register",
              "true",
              SchemaResolverConfig.VERTX_INSTANCE,
              vertx),
          false);
      framed = apicurio.serialize(topics.images().name(), event);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    assertEquals(0, framed[0], "Apicurio's serde frames the Confluent way: " + framed[0]);

    ConsumerRecord<byte[], byte[]> request =
        send("apicurio-serde", framed, requestFor("apicurio-serde"));

    assertEquals(
        3,
        topics
            .requests()
            .valueSerde()
            .deserializer()
            .deserialize(topics.requests().name(), request.value())
            .getTasks()
            .size());
  }

  @Test
  void singleObjectEventOnTheSameTopicIsStillAnswered() throws Exception {
    byte[] value =
        TestEvents.encode(
            TestEvents.inline("single-object", TestImages.png(3), TestEvents.threeTasks()));
    assertEquals((byte) 0xC3, value[0]);

    send("single-object", value, requestFor("single-object"));
  }

  @Test
  void registryFramedEventWithAnUnknownSchemaIdIsADeadLetterKeepingItsKeyAndHeaders()
      throws Exception {
    byte[] body =
        TestEvents.encode(
            TestEvents.inline("unknown-id", TestImages.png(4), TestEvents.threeTasks()));
    byte[] framed =
        ByteBuffer.allocate(5 + body.length - 10)
            .put((byte) 0)
            .putInt(987_654)
            .put(body, 10, body.length - 10)
            .array();

    ConsumerRecord<byte[], byte[]> letter =
        await(
            topics.dlq().name(),
            send("unknown-id-key", framed),
            r ->
                r.key() != null
                    && new String(r.key(), StandardCharsets.UTF_8).equals("unknown-id-key"));

    DeadLetter dead =
        topics.dlq().valueSerde().deserializer().deserialize(topics.dlq().name(), letter.value());
    assertEquals(ErrorCode.UNKNOWN_SCHEMA_ID, dead.getCode(), dead.getMessage());
    assertTrue(
        dead.getMessage().contains("987654")
            && dead.getMessage().contains("glimpse.schema.registry.url"),
        dead.getMessage());
    assertArrayEquals(framed, dead.getOriginalValue().array());
    assertEquals(TRACEPARENT, header(letter.headers(), "traceparent"));
    assertEquals(
        "application/vnd.glimpse.deadletter.v2+avro", header(letter.headers(), "content-type"));
  }

  private Predicate<ConsumerRecord<byte[], byte[]>> requestFor(String eventId) {
    return r -> {
      InferenceRequest request =
          topics
              .requests()
              .valueSerde()
              .deserializer()
              .deserialize(topics.requests().name(), r.value());
      return request.getEventId().equals(eventId);
    };
  }

  /** Sends the value with trace headers, keyed; waits for the request the predicate picks. */
  private ConsumerRecord<byte[], byte[]> send(
      String key, byte[] value, Predicate<ConsumerRecord<byte[], byte[]>> request)
      throws Exception {
    return await(topics.requests().name(), send(key, value), request);
  }

  private long send(String key, byte[] value) throws Exception {
    Headers headers =
        new RecordHeaders()
            .add("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8))
            .add("tracestate", "congo=t61rcWkgMzE".getBytes(StandardCharsets.UTF_8))
            .add("content-type", "application/octet-stream".getBytes(StandardCharsets.UTF_8));
    try (var producer =
        new KafkaProducer<>(
            Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      return producer
          .send(
              new ProducerRecord<>(
                  topics.images().name(),
                  null,
                  key.getBytes(StandardCharsets.UTF_8),
                  value,
                  headers))
          .get()
          .offset();
    }
  }

  /** The first record of the topic (read committed, from the start) that the predicate picks. */
  private ConsumerRecord<byte[], byte[]> await(
      String topic, long sentOffset, Predicate<ConsumerRecord<byte[], byte[]>> wanted) {
    try (var consumer = FromStart.bytes(bootstrap, topic, Map.of())) {
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (wanted.test(r)) {
            return r;
          }
        }
      }
      throw new AssertionError(
          "nothing on "
              + topic
              + " for the record sent at offset "
              + sentOffset
              + " within "
              + DEADLINE.toSeconds()
              + " s; dead letters: "
              + deadLetters());
    }
  }

  /** What the dead-letter topic holds, for a failure message. */
  private List<String> deadLetters() {
    try (var consumer = FromStart.readCommitted(bootstrap, topics.dlq())) {
      List<String> letters = new ArrayList<>();
      long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < until) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          letters.add(r.value().getCode() + ": " + r.value().getMessage());
        }
      }
      return letters;
    }
  }

  private static String header(Headers headers, String key) {
    var h = headers.lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
