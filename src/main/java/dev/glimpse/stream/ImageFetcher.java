package dev.glimpse.stream;

import java.net.URI;

/** Fetches the bytes of an image URI, or throws {@link Rejected}. */
@FunctionalInterface
public interface ImageFetcher {
  byte[] fetch(URI uri, long maxBytes);
}
