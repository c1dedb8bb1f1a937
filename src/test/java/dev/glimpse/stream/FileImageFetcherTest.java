package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading {@code file:} images: the bytes, within the deadline, and ingest's choice of fetcher. */
class FileImageFetcherTest {
  private static final long LIMIT = 1 << 20;

  @TempDir Path tmp;

  @Test
  void aFileUnderTheRootIsReadWhole() throws IOException {
    Path image = Files.write(tmp.resolve("a.png"), TestImages.png(1));
    var fetcher = new FileImageFetcher(FilePolicy.under(tmp), Duration.ofSeconds(5));

    assertArrayEquals(Files.readAllBytes(image), fetcher.fetch(image.toUri(), LIMIT));
  }

  @Test
  void aReadThatBlocksIsGivenUpAtTheDeadline() throws Exception {
    // a FIFO with no writer: opening it blocks, as a read from a volume that stopped answering does
    Path fifo = tmp.resolve("hung");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor(), "mkfifo");
    FileImageFetcher.Read blocking =
        (uri, maxBytes) -> {
          try {
            return Files.readAllBytes(fifo);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    try {
      Rejected e =
          assertThrows(
              Rejected.class,
              () ->
                  new FileImageFetcher(blocking, Duration.ofMillis(200))
                      .fetch(fifo.toUri(), LIMIT));

      assertEquals(ErrorCode.URI_FETCH_FAILED, e.code());
      assertTrue(
          e.getMessage().contains("within the fetch deadline of 200 ms (glimpse.uri.deadline.ms)"),
          e.getMessage());
    } finally {
      try (OutputStream writer = Files.newOutputStream(fifo)) {
        writer.flush(); // lets the blocked read end, so that its thread does too
      }
    }
  }

  @Test
  void ingestsFetcherReadsFileUrisAndLeavesTheRestToTheUriPolicy() throws IOException {
    Path image = Files.write(tmp.resolve("a.png"), TestImages.png(1));
    IngestConfig config =
        IngestConfig.from(
            Map.of(
                "glimpse.bootstrap.servers",
                "127.0.0.1:1",
                "glimpse.image.file.root",
                tmp.toString()));
    ImageFetcher fetcher = UriImageFetcher.of(config);

    assertArrayEquals(Files.readAllBytes(image), fetcher.fetch(image.toUri(), LIMIT));
    Rejected e =
        assertThrows(
            Rejected.class, () -> fetcher.fetch(URI.create("ftp://example.com/a.png"), LIMIT));
    assertTrue(e.getMessage().contains("scheme 'ftp'"), e.getMessage());
  }
}
