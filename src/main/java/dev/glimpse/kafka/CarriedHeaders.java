package dev.glimpse.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of a record Glimpse writes: every header of the record it answers (W3C {@code
 * traceparent}/{@code tracestate}, baggage, whatever the producer set), in order, with its {@code
 * content-type} replaced by the one of what is written. A fresh copy each time: Kafka Streams hands
 * the same headers object to every sink of one input record, and a producer makes the headers of a
 * sent record read-only.
 */
public final class CarriedHeaders {
  public static final String CONTENT_TYPE = "content-type";

  private CarriedHeaders() {}

  /**
   * A copy of {@code from} (may be null: none) with {@code content-type} set to {@code
   * contentType}.
   */
  public static Headers of(Header[] from, String contentType) {
    RecordHeaders headers = new RecordHeaders();
    if (from != null) {
      for (Header h : from) {
        if (!h.key().equalsIgnoreCase(CONTENT_TYPE)) {
          headers.add(h.key(), h.value());
        }
      }
    }
    headers.add(CONTENT_TYPE, contentType.getBytes(StandardCharsets.UTF_8));
    return headers;
  }

  public static Headers of(Headers from, String contentType) {
    return of(from == null ? null : from.toArray(), contentType);
  }
}
