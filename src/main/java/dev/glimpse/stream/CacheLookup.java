package dev.glimpse.stream;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.QuestionTask;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Looks each task up in the result cache: three global stores, one per result topic, keyed by
 * cache key. Global, so that a repeat is answered whichever ingest instance reads it.
 */
final class CacheLookup<K> implements FixedKeyProcessor<K, TaskWork, TaskWork> {
  private FixedKeyProcessorContext<K, TaskWork> context;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<Object>> captions;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<Object>> answers;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<Object>> moderation;

  @Override
  public void init(FixedKeyProcessorContext<K, TaskWork> context) {
    this.context = context;
    this.captions = context.getStateStore(IngestTopology.CAPTION_CACHE);
    this.answers = context.getStateStore(IngestTopology.ANSWER_CACHE);
    this.moderation = context.getStateStore(IngestTopology.MODERATION_CACHE);
  }

  @Override
  public void process(FixedKeyRecord<K, TaskWork> record) {
    TaskWork work = record.value();
    var store =
        work.task() instanceof CaptionTask
            ? captions
            : work.task() instanceof QuestionTask ? answers : moderation;
    ValueAndTimestamp<Object> hit = store.get(work.cacheKey());
    context.forward(record.withValue(hit == null ? work : work.withCached(hit.value())));
  }
}
