package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.ExpectedLog;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.ResultCacheEntry;
import dev.glimpse.contract.Timings;
import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.kafka.TopicAdmin;
import dev.glimpse.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Bytes that are not a ResultCacheEntry in glimpse.result-cache, under the very cache key a good
 * event uses, on a real broker: written before ingest starts (the global store restores them as
 * they are) and while it runs (and so again at a restart), each is a cache miss: the event becomes
 * a request, no dead letter is written and Streams stays RUNNING.
 */
@ExpectedLog({
  "the result cache holds a bad entry",
  "Exception caught during Deserialization",
  "Skipping record due to deserialization error"
})
class ResultCacheGarbageIT {
  private static final byte[] GARBAGE = "written by someone else".getBytes(StandardCharsets.UTF_8);

  @Test
  void garbageUnderAnEventsCacheKeyIsAMissBeforeAndAfterIngestStarts() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String bootstrap = broker.bootstrapServers();
      IngestConfig config =
          TestIngestSettings.config(
              bootstrap,
              "cache-garbage-it-",
              // ingest leaves its group on close; should a close time out, the restart waits out
              // the old member's session, so keep it short
              "kafka.session.timeout.ms",
              "6000");
      Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current());
      try (Admin admin =
          Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        TopicAdmin.ensureTopics(admin, Topics.bundledSpecs(), Duration.ofSeconds(30));
      }
      byte[] firstImage = TestImages.png(1);
      byte[] secondImage = TestImages.png(2);
      byte[] sentinelImage = TestImages.png(3);
      ImageEvent before = TestEvents.inline("before", firstImage, List.of(new CaptionTask()));
      ImageEvent after = TestEvents.inline("after", secondImage, List.of(new CaptionTask()));

      try (var raw = rawProducer(bootstrap)) {
        raw.send(
                new ProducerRecord<>(
                    topics.resultCache().name(), 0, cacheKey(config, before, firstImage), GARBAGE))
            .get();
      }

      try (Ingest ingest = Ingest.start(config);
          var images = rawProducer(bootstrap);
          var requests = new Committed<>(bootstrap, topics.requests());
          var dlq = new Committed<>(bootstrap, topics.dlq())) {
        images
            .send(new ProducerRecord<>(topics.images().name(), "before", TestEvents.encode(before)))
            .get();
        requests.await(
            r -> r.getEventId().equals("before"),
            "the request of the event whose key holds garbage");

        // while ingest runs: garbage under the next event's key, then a good entry behind it on the
        // same partition: once ingest answers from that entry, the global thread has passed the
        // garbage
        images
            .send(
                new ProducerRecord<>(
                    topics.resultCache().name(), 0, cacheKey(config, after, secondImage), GARBAGE))
            .get();
        ImageEvent probe = TestEvents.inline("probe-0", sentinelImage, List.of(new CaptionTask()));
        try (var entries = entryProducer(bootstrap, topics)) {
          entries
              .send(
                  new ProducerRecord<>(
                      topics.resultCache().name(),
                      0,
                      cacheKey(config, probe, sentinelImage),
                      entry()))
              .get();
        }
        CacheProbe.awaitCachedCaption(bootstrap, topics, sentinelImage, "probe");
        images
            .send(new ProducerRecord<>(topics.images().name(), "after", TestEvents.encode(after)))
            .get();
        requests.await(
            r -> r.getEventId().equals("after"), "the request of the event sent after the garbage");

        assertEquals(List.of(), dlq.drain(), "a bad cache entry is no event's fault");
        assertTrue(
            ingest.state().isRunningOrRebalancing(),
            "the client is alive (running or rebalancing its stream threads): " + ingest.state());
      }

      // a restart restores both garbage records as they are: the same image is still a miss
      try (Ingest again = Ingest.start(config);
          var images = rawProducer(bootstrap);
          var requests = new Committed<>(bootstrap, topics.requests());
          var dlq = new Committed<>(bootstrap, topics.dlq())) {
        ImageEvent repeat = TestEvents.inline("repeat", secondImage, List.of(new CaptionTask()));
        images
            .send(new ProducerRecord<>(topics.images().name(), "repeat", TestEvents.encode(repeat)))
            .get();
        requests.await(
            r -> r.getEventId().equals("repeat"), "the request of the repeat after the restart");
        // the probes answered before the sentinel entry reached the store were requests too
        List<InferenceRequest> all =
            requests.drain().stream().filter(r -> !r.getEventId().startsWith("probe-")).toList();
        assertEquals(
            List.of("after", "before", "repeat"),
            all.stream().map(InferenceRequest::getEventId).sorted().toList());
        all.forEach(r -> assertEquals(1, r.getTasks().size(), r.getEventId()));
        assertEquals(List.of(), dlq.drain(), "a bad cache entry is no event's fault");
        assertTrue(
            again.state().isRunningOrRebalancing(),
            "the client is alive (running or rebalancing its stream threads): " + again.state());
      }
    }
  }

  /** The cache key ingest gives the event's first task: computed as the topology computes it. */
  private static String cacheKey(IngestConfig config, ImageEvent event, byte[] image) {
    HashedEvent hashed =
        new HashedEvent(new ValidEvent(event, image, null), HashedEvent.sha256(image));
    Origin origin = new Origin("glimpse.images", 0, 0, 0, null, null);
    return KeyedEvent.of(
            Verdict.accepted(origin, event.getEventId(), hashed),
            config.taskDefaults(),
            config.modelId())
        .tasks()
        .get(0)
        .cacheKey();
  }

  private static ResultCacheEntry entry() {
    return new ResultCacheEntry(
        new CaptionResult(
            "other",
            0,
            "it-model",
            "0".repeat(64),
            "a sentinel",
            new Timings(1L, 1L, 1L, 3L),
            false));
  }

  private static KafkaProducer<String, byte[]> rawProducer(String bootstrap) {
    return new KafkaProducer<>(
        Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  private static KafkaProducer<String, ResultCacheEntry> entryProducer(
      String bootstrap, Topics topics) {
    return new KafkaProducer<>(
        Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
        topics.resultCache().keySerde().serializer(),
        topics.resultCache().valueSerde().serializer());
  }
}
