package dev.glimpse.stream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Reads {@code file:} images that the {@link FilePolicy} allows. The size was checked before
 * opening, and the read stops one byte past the limit all the same: a file may grow between the
 * two (a producer still writing it).
 */
public final class FileImageFetcher implements ImageFetcher {
  private final FilePolicy policy;

  public FileImageFetcher(FilePolicy policy) {
    this.policy = policy;
  }

  @Override
  public byte[] fetch(URI uri, long maxBytes) {
    Path file = policy.check(uri, maxBytes);
    // the checked path has no link left in it: refuse one that appeared there since
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      int bound = (int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8);
      byte[] bytes = in.readNBytes(bound);
      if (bytes.length > maxBytes) {
        throw FilePolicy.tooLarge(uri, maxBytes);
      }
      return bytes;
    } catch (IOException e) {
      throw FilePolicy.unreadable(uri, e);
    }
  }
}
