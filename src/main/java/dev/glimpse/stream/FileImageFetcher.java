package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads {@code file:} images that the {@link FilePolicy} allows, within a deadline. The size was
 * checked before opening, and the read stops one byte past the limit all the same: a file may grow
 * between the two (a producer still writing it).
 *
 * <p>Why a deadline for local files: the root is a shared volume, and a network file system that
 * stops answering blocks a read, uninterruptibly, for as long as it likes. The read runs on a small
 * pool while the stream thread waits at most the deadline; a read that hangs keeps only its pool
 * thread, and the reads queued behind it time out rather than pile up.
 */
public final class FileImageFetcher implements ImageFetcher {
  static final int READ_THREADS = IngestConfig.STREAM_THREADS;

  /** One fetch's work, off the stream thread: check and read, or throw {@link Rejected}. */
  @FunctionalInterface
  interface Read {
    byte[] read(URI uri, long maxBytes);
  }

  private final Read read;
  private final Duration deadline;
  // daemon threads, because nothing closes a fetcher; idle ones end, so a fetcher that reads no
  // file (the root unset, or an ingest that has stopped) holds none
  private final ThreadPoolExecutor reads = readPool();

  /**
   * @param deadline the most one fetch may take, {@code glimpse.uri.deadline.ms}
   */
  public FileImageFetcher(FilePolicy policy, Duration deadline) {
    this((uri, maxBytes) -> checkedRead(policy, uri, maxBytes), deadline);
  }

  FileImageFetcher(Read read, Duration deadline) {
    this.read = read;
    this.deadline = deadline;
  }

  @Override
  public byte[] fetch(URI uri, long maxBytes) {
    Future<byte[]> bytes = reads.submit(() -> read.read(uri, maxBytes));
    try {
      return bytes.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      bytes.cancel(true);
      throw new Rejected(
          ErrorCode.URI_FETCH_FAILED,
          "could not read "
              + uri
              + " within the fetch deadline of "
              + deadline.toMillis()
              + " ms (glimpse.uri.deadline.ms): check the volume under glimpse.image.file.root, or send the"
              + " image inline");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Rejected rejected) {
        throw rejected;
      }
      throw new IllegalStateException("reading " + uri + " failed", e.getCause());
    } catch (InterruptedException e) {
      bytes.cancel(true);
      Thread.currentThread().interrupt();
      throw new Rejected(
          ErrorCode.URI_FETCH_FAILED, "reading " + uri + " was interrupted: send the event again");
    }
  }

  private static ThreadPoolExecutor readPool() {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            READ_THREADS,
            READ_THREADS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            task -> {
              Thread thread = new Thread(task, "glimpse-file-read");
              thread.setDaemon(true);
              return thread;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  private static byte[] checkedRead(FilePolicy policy, URI uri, long maxBytes) {
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
