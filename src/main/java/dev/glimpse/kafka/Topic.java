package dev.glimpse.kafka;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/** A topic with the serdes of its key and value. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
  public Consumed<K, V> consumed() {
    return Consumed.with(keySerde, valueSerde);
  }

  public Produced<K, V> produced() {
    return Produced.with(keySerde, valueSerde);
  }

  /** The {@code content-type} header of this topic's values ({@code schemas/README.md}). */
  public String contentType() {
    return valueSerde instanceof AvroSerde<?> avro
        ? avro.contentType()
        : "application/octet-stream";
  }
}
