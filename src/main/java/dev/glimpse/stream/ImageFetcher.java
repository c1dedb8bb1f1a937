package dev.glimpse.stream;

import java.net.URI;

/**
 * Fetches the bytes of an image URI, or throws {@link Rejected}. Called on a Kafka Streams thread,
 * so an implementation must give up within a bounded time: every event behind this one on the same
 * thread waits for it.
 */
@FunctionalInterface
public interface ImageFetcher {
  /** At most {@code maxBytes}; a larger body is refused with IMAGE_TOO_LARGE. */
  byte[] fetch(URI uri, long maxBytes);
}
