package dev.glimpse.stream;

import dev.glimpse.ops.Meters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * Ingest's meters, counted where the topology already computes each value (ops/runbook.md lists
 * their scraped names). Streams may process a record again after an aborted transaction, so these
 * count work done, which can exceed records committed by the redone ones.
 */
public final class IngestMetrics {
  static final String STAGE = "ingest";

  private final MeterRegistry registry;
  private final Clock clock;
  private final Counter events;
  private final Counter requests;
  private final Counter hits;
  private final Counter misses;
  private final Timer latency;

  public IngestMetrics(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    events =
        Counter.builder("glimpse.events")
            .description("image events read by ingest, good or bad")
            .register(registry);
    requests =
        Counter.builder("glimpse.ingest.requests")
            .description(
                "inference requests sent to the workers (one per image with uncached tasks)")
            .register(registry);
    hits = Meters.cacheRequests(registry, "result", true);
    misses = Meters.cacheRequests(registry, "result", false);
    latency = Meters.latency(registry, Meters.CACHE);
  }

  /** Meters kept in a registry of their own, for a topology that nobody scrapes (tests). */
  static IngestMetrics unscraped(Clock clock) {
    return new IngestMetrics(new SimpleMeterRegistry(), clock);
  }

  void event() {
    events.increment();
  }

  void deadLetter(Verdict<?> refused) {
    Meters.deadLetters(registry, refused.rejection().code().name(), STAGE).increment();
  }

  /** An event's tasks looked up in the result cache. */
  void looked(KeyedEvent work) {
    long hit = work.tasks().stream().filter(KeyedEvent.KeyedTask::isHit).count();
    hits.increment(hit);
    misses.increment(work.tasks().size() - hit);
  }

  void request() {
    requests.increment();
  }

  /** A result answered from the cache, of this kind, for the event that asked. */
  void answered(String kind, KeyedEvent.CacheHit hit) {
    Meters.results(registry, kind, Meters.CACHE).increment();
    long event = hit.event().getTimestamp().toEpochMilli();
    latency.record(Math.max(0, clock.millis() - event), TimeUnit.MILLISECONDS);
  }
}
