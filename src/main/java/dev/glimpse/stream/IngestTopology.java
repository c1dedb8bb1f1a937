package dev.glimpse.stream;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.kafka.Topic;
import dev.glimpse.kafka.Topics;
import java.time.Clock;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;

/**
 * The ingest topology: images in; dead letters, answers from the result cache and inference
 * requests out. Read {@link #build(IngestConfig, Topics, ImageFetcher, Clock)} top to bottom: it
 * is the data flow. Its description is kept in {@code topology/ingest.txt}
 * (topology/README.md says how to regenerate it).
 *
 * <p>Between processors only in-memory values travel: no repartition topic and no
 * changelog, so the intermediate types ({@link Checked}, {@link TaskWork}) need no serdes.
 */
public final class IngestTopology {
  public static final String CAPTION_CACHE = "result-cache-captions";
  public static final String ANSWER_CACHE = "result-cache-answers";
  public static final String MODERATION_CACHE = "result-cache-moderation";

  private IngestTopology() {}

  /** The production topology: fetches image URIs over http(s) under the config's URI policy. */
  public static Topology build(IngestConfig config, Topics topics) {
    return build(config, topics, new HttpImageFetcher(config.uriPolicy()), Clock.systemUTC());
  }

  public static Topology build(
      IngestConfig config, Topics topics, ImageFetcher fetcher, Clock clock) {
    EventValidator validator = new EventValidator(config.limits(), fetcher);
    Outputs out = new Outputs(clock, config.modelId(), config.maxDeadLetterOriginalBytes());
    StreamsBuilder builder = new StreamsBuilder();

    // 0. The result cache: every result ever written, by cache key, on every instance.
    builder.globalTable(
        topics.captions().name(),
        topics.captions().consumed().withName("captions-for-cache"),
        Materialized.as(CAPTION_CACHE));
    builder.globalTable(
        topics.answers().name(),
        topics.answers().consumed().withName("answers-for-cache"),
        Materialized.as(ANSWER_CACHE));
    builder.globalTable(
        topics.moderation().name(),
        topics.moderation().consumed().withName("moderation-for-cache"),
        Materialized.as(MODERATION_CACHE));

    // 1. Decode: read raw bytes, so that bytes which are not an ImageEvent still reach the DLQ.
    KStream<byte[], Checked<ImageEvent>> decoded =
        builder
            .stream(
                topics.images().name(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("images"))
            .processValues(
                () -> new Decode(topics.images().valueSerde().deserializer()), Named.as("decode"));

    // 2. Validate: tasks, prompts, options, then the image (inline or fetched under the URI
    //    policy): size, format and pixels from the header, then a full decode.
    KStream<byte[], Checked<ValidEvent>> validated =
        decoded.mapValues(c -> c.then(validator::validate), Named.as("validate"));

    // 3. Hash the image bytes.
    KStream<byte[], Checked<HashedEvent>> hashed =
        validated.mapValues(c -> c.then(HashedEvent::of), Named.as("hash"));

    // Refused at any step: exactly one dead letter, keyed by event id when there is one.
    Map<String, KStream<byte[], Checked<HashedEvent>>> checked =
        hashed
            .split(Named.as("checked-"))
            .branch((k, c) -> !c.isAccepted(), Branched.as("refused"))
            .defaultBranch(Branched.as("accepted"));
    checked
        .get("checked-refused")
        .map((k, c) -> KeyValue.pair(c.eventId(), out.deadLetter(c)), Named.as("to-dead-letter"))
        .to(topics.dlq().name(), topics.dlq().produced().withName("dlq"));

    // 4. One record per task, each looked up in the result cache.
    KStream<byte[], TaskWork> tasks =
        checked
            .get("checked-accepted")
            .flatMapValues(c -> TaskWork.of(c, config.modelId()), Named.as("tasks"))
            .processValues(CacheLookup::new, Named.as("cache-lookup"));

    // 5. Hits are answered now (from_cache=true), keyed by cache key like the worker's results.
    //    Misses fan out to the workers keyed by image hash: one image stays on one partition
    //    (batching, the worker's feature cache).
    tasks
        .split(Named.as("cache-"))
        .branch(
            (k, w) -> w.cached() instanceof CaptionResult,
            Branched.withConsumer(
                hits ->
                    answer(hits, Outputs::cachedCaption, topics.captions(), "caption", "captions"),
                "caption-hit"))
        .branch(
            (k, w) -> w.cached() instanceof AnswerResult,
            Branched.withConsumer(
                hits -> answer(hits, Outputs::cachedAnswer, topics.answers(), "answer", "answers"),
                "answer-hit"))
        .branch(
            (k, w) -> w.cached() instanceof ModerationResult,
            Branched.withConsumer(
                hits ->
                    answer(
                        hits, Outputs::cachedModeration, topics.moderation(), "moderation",
                        "moderation"),
                "moderation-hit"))
        .defaultBranch(
            Branched.withConsumer(
                misses ->
                    misses
                        .map(
                            (k, w) -> KeyValue.pair(w.hashed().imageSha256(), out.request(w)),
                            Named.as("to-request"))
                        .to(
                            topics.requests().name(),
                            topics.requests().produced().withName("requests")),
                "miss"));

    return builder.build();
  }

  /** Writes cache hits as results, keyed by cache key like the worker's own results. */
  private static <V> void answer(
      KStream<byte[], TaskWork> hits,
      Function<TaskWork, V> result,
      Topic<String, V> topic,
      String kind,
      String sink) {
    hits.map((k, w) -> KeyValue.pair(w.cacheKey(), result.apply(w)), Named.as("cached-" + kind))
        .to(topic.name(), topic.produced().withName(sink));
  }
}
