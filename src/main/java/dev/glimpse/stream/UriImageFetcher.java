package dev.glimpse.stream;

import java.net.URI;
import java.util.Locale;

/**
 * Ingest's fetcher of image URIs: {@code file:} from the shared volume the {@link FilePolicy}
 * allows, everything else over http(s) under the {@link UriPolicy} (which refuses other schemes).
 */
public final class UriImageFetcher implements ImageFetcher {
  private final ImageFetcher files;
  private final ImageFetcher web;

  public UriImageFetcher(ImageFetcher files, ImageFetcher web) {
    this.files = files;
    this.web = web;
  }

  /** The fetcher of the config's two policies. */
  public static UriImageFetcher of(IngestConfig config) {
    return new UriImageFetcher(
        new FileImageFetcher(config.filePolicy(), config.uriPolicy().deadline()),
        new HttpImageFetcher(config.uriPolicy()));
  }

  @Override
  public byte[] fetch(URI uri, long maxBytes) {
    boolean file =
        uri.getScheme() != null && uri.getScheme().toLowerCase(Locale.ROOT).equals("file");
    return (file ? files : web).fetch(uri, maxBytes);
  }
}
