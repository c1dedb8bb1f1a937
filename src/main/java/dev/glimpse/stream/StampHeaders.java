package dev.glimpse.stream;

import dev.glimpse.kafka.CarriedHeaders;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * The last step before a sink: the input record's headers travel on (Streams forwards them), in a
 * copy of this record's own whose {@code content-type} names what the sink writes.
 */
final class StampHeaders<K, V> implements FixedKeyProcessor<K, V, V> {
  private final String contentType;
  private FixedKeyProcessorContext<K, V> context;

  StampHeaders(String contentType) {
    this.contentType = contentType;
  }

  @Override
  public void init(FixedKeyProcessorContext<K, V> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<K, V> record) {
    context.forward(record.withHeaders(CarriedHeaders.of(record.headers(), contentType)));
  }
}
