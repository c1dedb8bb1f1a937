package dev.glimpse.stream;

import dev.glimpse.contract.ImageEvent;
import dev.glimpse.kafka.Topic;
import dev.glimpse.kafka.Topics;
import dev.glimpse.task.ResolvedTask;
import java.time.Clock;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;

/**
 * The ingest topology: images in; dead letters, answers from the result cache and one inference
 * request per image out. Every record written carries the headers of the event it answers
 * (traceparent and the rest) and a content-type naming its schema. Read {@link #build(IngestConfig,
 * Topics, ImageFetcher, Clock, IngestMetrics)} top to bottom: it is the data flow. Its description
 * is kept in {@code topology/ingest.txt} (topology/README.md says how to regenerate it).
 *
 * <p>Between processors only in-memory values travel: no repartition topic and no changelog, so the
 * intermediate types ({@link Verdict}, {@link KeyedEvent}) need no serdes.
 */
public final class IngestTopology {
  private IngestTopology() {}

  /**
   * The production topology: fetches image URIs over http(s) and from the file root under the
   * config's policies.
   */
  public static Topology build(IngestConfig config, Topics topics) {
    return build(config, topics, IngestMetrics.unscraped(Clock.systemUTC()));
  }

  /** The production topology, counting what flows through it in {@code metrics}. */
  public static Topology build(IngestConfig config, Topics topics, IngestMetrics metrics) {
    return build(config, topics, UriImageFetcher.of(config), Clock.systemUTC(), metrics);
  }

  public static Topology build(
      IngestConfig config, Topics topics, ImageFetcher fetcher, Clock clock) {
    return build(config, topics, fetcher, clock, IngestMetrics.unscraped(clock));
  }

  /** The topology, counting what flows through it in {@code metrics} (no node of its own). */
  public static Topology build(
      IngestConfig config,
      Topics topics,
      ImageFetcher fetcher,
      Clock clock,
      IngestMetrics metrics) {
    EventValidator validator = new EventValidator(config.limits(), fetcher);
    IngestRecords out =
        new IngestRecords(clock, config.modelId(), config.maxDeadLetterOriginalBytes());
    CacheLookup.BadEntries badEntries = new CacheLookup.BadEntries();
    // the config carries processor.wrapper.class (RecordErrors): it only acts through the builder
    StreamsBuilder builder =
        new StreamsBuilder(
            new TopologyConfig(new StreamsConfig(config.streamsProperties(topics.dlq().name()))));

    // 0. The result cache: the last result of every cache key, on every instance.
    builder.globalTable(
        topics.resultCache().name(),
        topics.resultCache().consumed().withName("result-cache"),
        Materialized.as(CacheLookup.STORE));

    // 1. Decode: read raw bytes, so that bytes which are not an ImageEvent still reach the DLQ.
    KStream<byte[], Verdict<ImageEvent>> decoded =
        builder.stream(
                topics.images().name(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("images"))
            .processValues(
                () -> new Decode(topics.images().valueSerde().deserializer()), Named.as("decode"));

    // 2. Validate: tasks, prompts, options, then the image (inline or fetched under the URI
    //    policy): size, format and pixels from the header, then a full decode.
    KStream<byte[], Verdict<ValidEvent>> validated =
        decoded.mapValues(
            c -> {
              metrics.event();
              return c.then(validator::validate);
            },
            Named.as("validate"));

    // 3. Hash the image bytes.
    KStream<byte[], Verdict<HashedEvent>> hashed =
        validated.mapValues(c -> c.then(HashedEvent::of), Named.as("hash"));

    // Refused at any step: exactly one dead letter, keyed by the input record's own key.
    Map<String, KStream<byte[], Verdict<HashedEvent>>> checked =
        hashed
            .split(Named.as("checked-"))
            .branch((k, c) -> !c.isAccepted(), Branched.as("refused"))
            .defaultBranch(Branched.as("accepted"));
    checked
        .get("checked-refused")
        .mapValues(
            c -> {
              metrics.deadLetter(c);
              return out.deadLetter(c);
            },
            Named.as("to-dead-letter"))
        .processValues(stamp(topics.dlq()), Named.as("dlq-headers"))
        .to(
            topics.dlq().name(),
            Produced.with(Serdes.ByteArray(), topics.dlq().valueSerde()).withName("dlq"));

    // 4. Each task of the event keyed for the cache (its defaults applied) and looked up.
    KStream<byte[], KeyedEvent> looked =
        checked
            .get("checked-accepted")
            .mapValues(
                c -> KeyedEvent.of(c, config.taskDefaults(), config.modelId()), Named.as("tasks"))
            .processValues(() -> new CacheLookup<>(badEntries), Named.as("cache-lookup"));

    // 5. Hits are answered now (from_cache=true), keyed by event id like the worker's results.
    looked
        .flatMapValues(
            work -> {
              metrics.looked(work);
              return work.hits();
            },
            Named.as("hits"))
        .split(Named.as("hit-"))
        .branch(
            (k, hit) -> hit.task().resolved() instanceof ResolvedTask.Caption,
            Branched.withConsumer(
                hits -> answer(hits, topics.captions(), "caption", "captions", metrics), "caption"))
        .branch(
            (k, hit) -> hit.task().resolved() instanceof ResolvedTask.Question,
            Branched.withConsumer(
                hits -> answer(hits, topics.answers(), "answer", "answers", metrics), "answer"))
        .defaultBranch(
            Branched.withConsumer(
                hits -> answer(hits, topics.moderation(), "moderation", "moderation", metrics),
                "moderation"));

    // 6. Misses: one request per event, the image once with every task the cache missed, keyed by
    //    image hash: repeats of an image land on one partition, so on the one worker whose
    //    feature cache (worker/FeatureCache) holds its features while it owns that partition.
    looked
        .filter((k, work) -> work.hasMisses(), Named.as("misses"))
        .map(
            (k, work) -> {
              metrics.request();
              return KeyValue.pair(work.hashed().imageSha256(), out.request(work));
            },
            Named.as("to-request"))
        .processValues(stamp(topics.requests()), Named.as("request-headers"))
        .to(topics.requests().name(), topics.requests().produced().withName("requests"));

    return builder.build();
  }

  /** The event's headers, with the content-type of what {@code topic} holds. */
  private static <K, V> FixedKeyProcessorSupplier<K, V, V> stamp(Topic<?, ?> topic) {
    String contentType = topic.contentType();
    return () -> new StampHeaders<>(contentType);
  }

  /** Writes cache hits as results of the event that asked, keyed by its event id. */
  private static <V extends SpecificRecordBase> void answer(
      KStream<byte[], KeyedEvent.CacheHit> hits,
      Topic<String, V> topic,
      String kind,
      String sink,
      IngestMetrics metrics) {
    hits.map(
            (k, hit) -> {
              metrics.answered(kind, hit);
              return KeyValue.pair(hit.event().getEventId(), IngestRecords.<V>fromCache(hit));
            },
            Named.as("cached-" + kind))
        .processValues(stamp(topic), Named.as(kind + "-headers"))
        .to(topic.name(), topic.produced().withName(sink));
  }
}
