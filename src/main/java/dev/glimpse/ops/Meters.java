package dev.glimpse.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The meters ingest and the worker both write, defined in one place: Prometheus wants one set of
 * labels per name, and in {@code demo} both processes share one registry. Scraped names: {@code
 * glimpse_results_total{kind,source}}, {@code glimpse_dead_letters_total{code,stage}}, {@code
 * glimpse_cache_requests_total{cache,result}}, {@code glimpse_end_to_end_latency_seconds{source}}
 * (a histogram).
 */
public final class Meters {
  /** A result the model computed (the worker's). */
  public static final String MODEL = "model";

  /** A result ingest answered from the result cache. */
  public static final String CACHE = "cache";

  private Meters() {}

  /** Results written, by kind (caption, answer, moderation) and source (model, cache). */
  public static Counter results(MeterRegistry registry, String kind, String source) {
    return Counter.builder("glimpse.results")
        .description(
            "results written, by kind (caption, answer, moderation) and source (model, cache)")
        .tag("kind", kind)
        .tag("source", source)
        .register(registry);
  }

  /** Dead letters written, by error code and the stage (ingest, worker) that wrote them. */
  public static Counter deadLetters(MeterRegistry registry, String code, String stage) {
    return Counter.builder("glimpse.dead.letters")
        .description(
            "dead letters written to glimpse.dlq, by error code and stage (ingest, worker)")
        .tag("code", code)
        .tag("stage", stage)
        .register(registry);
  }

  /** Lookups of a cache (result: ingest's result cache, feature: the worker's feature cache). */
  public static Counter cacheRequests(MeterRegistry registry, String cache, boolean hit) {
    return Counter.builder("glimpse.cache.requests")
        .description(
            "cache lookups, by cache (result: ingest, per task; feature: worker, per image) and result (hit, miss)")
        .tag("cache", cache)
        .tag("result", hit ? "hit" : "miss")
        .register(registry);
  }

  /**
   * From the event's own timestamp to its result written (committed by the worker, or answered from
   * the cache by ingest), by source: a histogram, so that p50 and p99 can be taken across instances
   * with {@code histogram_quantile}.
   */
  public static Timer latency(MeterRegistry registry, String source) {
    return Timer.builder("glimpse.end.to.end.latency")
        .description("event timestamp to result written, by source (model, cache)")
        .tag("source", source)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(10))
        .register(registry);
  }
}
