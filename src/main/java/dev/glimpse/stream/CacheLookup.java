package dev.glimpse.stream;

import dev.glimpse.contract.ResultCacheEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks each task of an event up in the result cache: a global store of the compacted result-cache
 * topic, keyed by cache key. Global, so that a repeat is answered whichever ingest instance reads
 * it.
 *
 * <p>An entry that is not a ResultCacheEntry for this kind of task is a miss: the task goes to the
 * worker, whose result then replaces the entry. A global store restores the topic's raw bytes
 * (records a foreign producer wrote included), so such an entry only shows when it is read here.
 */
final class CacheLookup<K> implements FixedKeyProcessor<K, KeyedEvent, KeyedEvent> {
  private static final Logger LOG = LoggerFactory.getLogger(CacheLookup.class);

  /**
   * The global store of the result cache, keyed by cache key: the topology materializes it under
   * this name.
   */
  static final String STORE = "result-cache";

  private final BadEntries bad;
  private FixedKeyProcessorContext<K, KeyedEvent> context;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<ResultCacheEntry>> cache;

  /**
   * The keys of bad entries already logged, shared by every task's lookup: each is logged once (up
   * to a bound), not once per event that meets it.
   */
  static final class BadEntries {
    private static final int REMEMBERED = 10_000;
    private final Set<String> logged =
        Collections.newSetFromMap(
            Collections.synchronizedMap(
                new LinkedHashMap<>() {
                  @Override
                  protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED;
                  }
                }));

    void warn(String key, String why) {
      if (logged.add(key)) {
        LOG.warn(
            "the result cache holds a bad entry under {} ({}): served as a miss; the worker's result"
                + " replaces it (store {})",
            key,
            why,
            STORE);
      }
    }
  }

  CacheLookup(BadEntries bad) {
    this.bad = bad;
  }

  @Override
  public void init(FixedKeyProcessorContext<K, KeyedEvent> context) {
    this.context = context;
    this.cache = context.getStateStore(STORE);
  }

  @Override
  public void process(FixedKeyRecord<K, KeyedEvent> record) {
    KeyedEvent event = record.value();
    List<KeyedEvent.KeyedTask> looked = new ArrayList<>();
    for (KeyedEvent.KeyedTask task : event.tasks()) {
      SpecificRecordBase cached = cached(task);
      looked.add(cached == null ? task : task.withCached(cached));
    }
    context.forward(record.withValue(new KeyedEvent(event.origin(), event.hashed(), looked)));
  }

  /** The cached result for this task, or null for a miss. */
  private SpecificRecordBase cached(KeyedEvent.KeyedTask task) {
    ValueAndTimestamp<ResultCacheEntry> hit;
    try {
      hit = cache.get(task.cacheKey());
    } catch (SerializationException e) {
      bad.warn(task.cacheKey(), e.getMessage());
      return null;
    }
    if (hit == null || hit.value() == null || hit.value().getCached() == null) {
      return null;
    }
    Object cached = hit.value().getCached(); // the Avro union of the three result types
    // each kind of task has its own result type (and topic): another type is a bad entry
    Class<? extends SpecificRecordBase> wanted = task.resolved().resultType();
    if (!wanted.isInstance(cached)) {
      bad.warn(
          task.cacheKey(),
          "a " + cached.getClass().getSimpleName() + " for a " + task.resolved().kind() + " task");
      return null;
    }
    return wanted.cast(cached);
  }
}
