package dev.glimpse.stream;

import dev.glimpse.contract.ResultCacheEntry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Looks each task of an event up in the result cache: a global store of the compacted
 * result-cache topic, keyed by cache key. Global, so that a repeat is answered whichever ingest
 * instance reads it.
 */
final class CacheLookup<K> implements FixedKeyProcessor<K, EventTasks, EventTasks> {
  private final String storeName;
  private FixedKeyProcessorContext<K, EventTasks> context;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<ResultCacheEntry>> cache;

  CacheLookup(String storeName) {
    this.storeName = storeName;
  }

  @Override
  public void init(FixedKeyProcessorContext<K, EventTasks> context) {
    this.context = context;
    this.cache = context.getStateStore(storeName);
  }

  @Override
  public void process(FixedKeyRecord<K, EventTasks> record) {
    EventTasks event = record.value();
    List<EventTasks.Lookup> looked = new ArrayList<>();
    for (EventTasks.Lookup task : event.tasks()) {
      ValueAndTimestamp<ResultCacheEntry> hit = cache.get(task.cacheKey());
      looked.add(hit == null || hit.value() == null ? task : task.withCached(hit.value().getCached()));
    }
    context.forward(record.withValue(new EventTasks(event.origin(), event.hashed(), looked)));
  }
}
