package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * One URI fetch held open by a slow HTTP server on 127.0.0.1, on a real broker with ingest's
 * default threads: events on the partitions of the other stream threads are all answered while that
 * fetch is still waiting for its body; once the server answers, the slow event is answered too. The
 * server holds the answer until the test releases it (a few seconds at most).
 */
class SlowFetchIT {
  private static final byte[] SLOW_IMAGE = TestImages.png(40);
  private static final long HOLD_SECONDS = 20;

  @Test
  void aSlowFetchStallsOnlyThePartitionsOfItsOwnThread() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean heldToTheEnd = new AtomicBoolean();
    ExecutorService handlers = Executors.newCachedThreadPool();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/slow.png",
        ex -> {
          arrived.countDown();
          try {
            heldToTheEnd.set(!release.await(HOLD_SECONDS, TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.getResponseHeaders().set("Content-Type", "image/png");
          ex.sendResponseHeaders(200, SLOW_IMAGE.length);
          try (var body = ex.getResponseBody()) {
            body.write(SLOW_IMAGE);
          }
        });
    server.setExecutor(handlers);
    server.start();

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String bootstrap = broker.bootstrapServers();
      IngestConfig config =
          TestIngestSettings.config(
              bootstrap,
              "slow-fetch-it-",
              "glimpse.uri.allow.private",
              "true", // the slow server is on loopback
              // longer than the server's hold: the fetch ends when the server answers
              "glimpse.uri.deadline.ms",
              String.valueOf(TimeUnit.SECONDS.toMillis(HOLD_SECONDS + 10)));
      try (Ingest ingest = Ingest.start(config);
          var producer =
              new KafkaProducer<>(
                  Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                  new StringSerializer(),
                  new ByteArraySerializer());
          var requests = new Committed<>(bootstrap, ingest.topics().requests());
          var dlq = new Committed<>(bootstrap, ingest.topics().dlq())) {
        String images = ingest.topics().images().name();
        Map<String, Set<Integer>> byThread = awaitEveryPartitionAssigned(ingest, 6);
        assertTrue(byThread.size() > 1, "ingest runs one stream thread by default: " + byThread);

        // the slow event on the first partition of one thread
        String slowThread =
            byThread.entrySet().stream()
                .filter(e -> !e.getValue().isEmpty())
                .findFirst()
                .orElseThrow()
                .getKey();
        int slowPartition = byThread.get(slowThread).iterator().next();
        String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/slow.png";
        producer
            .send(
                new ProducerRecord<>(
                    images,
                    slowPartition,
                    "slow",
                    TestEvents.encode(TestEvents.uri("slow", uri, List.of(new CaptionTask())))))
            .get();
        assertTrue(arrived.await(90, TimeUnit.SECONDS), "ingest never fetched the slow URI");

        // while that fetch waits: one event on every partition of the other threads
        List<String> others = new ArrayList<>();
        byThread.forEach(
            (thread, partitions) -> {
              if (!thread.equals(slowThread)) {
                for (int partition : partitions) {
                  String id = "other-" + partition;
                  others.add(id);
                  producer.send(
                      new ProducerRecord<>(
                          images,
                          partition,
                          id,
                          TestEvents.encode(
                              TestEvents.inline(
                                  id, TestImages.png(partition), List.of(new CaptionTask())))));
                }
              }
            });
        producer.flush();
        assertFalse(others.isEmpty(), "every partition is on the slow thread: " + byThread);
        for (String id : others) {
          requests.await(r -> r.getEventId().equals(id), "the request of " + id);
        }
        // the server still holds the slow body (it answers on release; a lapsed hold fails below)
        assertFalse(
            requests.values().stream().anyMatch(r -> r.getEventId().equals("slow")),
            "the slow event cannot be answered before its image arrives");

        release.countDown();
        InferenceRequest slow =
            requests
                .await(r -> r.getEventId().equals("slow"), "the request of the slow event")
                .value();
        assertArrayEquals(SLOW_IMAGE, bytes(slow.getImage()));
        assertFalse(
            heldToTheEnd.get(), "the server gave up its hold before the others were answered");
        assertEquals(List.of(), dlq.drain());
        assertEquals(KafkaStreams.State.RUNNING, ingest.state());
      }
    } finally {
      release.countDown();
      server.stop(0);
      handlers.shutdownNow();
    }
  }

  /** Waits until the threads' assignment covers every partition of glimpse.images. */
  private static Map<String, Set<Integer>> awaitEveryPartitionAssigned(
      Ingest ingest, int partitions) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      Map<String, Set<Integer>> byThread = ingest.imagesPartitionsByThread();
      int assigned = byThread.values().stream().mapToInt(Set::size).sum();
      if (ingest.state() == KafkaStreams.State.RUNNING && assigned == partitions) {
        return byThread;
      }
      assertTrue(System.nanoTime() < deadline, "partitions never all assigned: " + byThread);
      Thread.sleep(100);
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
