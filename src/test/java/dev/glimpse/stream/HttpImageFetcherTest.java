package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.glimpse.contract.ErrorCode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Fetches from a real HTTP server on 127.0.0.1 (so private addresses are allowed here). */
class HttpImageFetcherTest {
  private static final byte[] PNG = TestImages.png(4);

  private HttpServer server;
  private HttpImageFetcher fetcher;

  @BeforeEach
  void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/cat.png", ex -> {
      ex.sendResponseHeaders(200, PNG.length);
      ex.getResponseBody().write(PNG);
      ex.close();
    });
    server.createContext("/chunked.png", ex -> {
      ex.sendResponseHeaders(200, 0); // no Content-Length: the cap must hold while reading
      ex.getResponseBody().write(PNG);
      ex.close();
    });
    server.createContext("/moved", ex -> {
      ex.getResponseHeaders().add("Location", "/cat.png");
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    server.createContext("/to-metadata", ex -> {
      ex.getResponseHeaders().add("Location", "http://169.254.169.254/latest/");
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    server.createContext("/drip.png", ex -> {
      ex.sendResponseHeaders(200, PNG.length);
      try {
        for (byte b : PNG) {
          ex.getResponseBody().write(b);
          ex.getResponseBody().flush();
          Thread.sleep(100);
        }
      } catch (InterruptedException | IOException e) {
        // the client gave up
      }
      ex.close();
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    var policy = new UriPolicy(Set.of("http"), Set.of("127.0.0.1"), true, Duration.ofSeconds(2), 2);
    fetcher = new HttpImageFetcher(policy);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI at(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  @Test
  void fetchesTheImageBytes() {
    assertArrayEquals(PNG, fetcher.fetch(at("/cat.png"), 1 << 20));
  }

  @Test
  void followsARedirectThatPassesThePolicy() {
    assertArrayEquals(PNG, fetcher.fetch(at("/moved"), 1 << 20));
  }

  @Test
  void refusesARedirectOffTheAllowList() {
    var e = assertThrows(Rejected.class, () -> fetcher.fetch(at("/to-metadata"), 1 << 20));
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code(), e.getMessage());
  }

  @Test
  void refusesABodyOverTheCapWhetherDeclaredOrNot() {
    assertEquals(ErrorCode.IMAGE_TOO_LARGE,
        assertThrows(Rejected.class, () -> fetcher.fetch(at("/cat.png"), 10)).code());
    assertEquals(ErrorCode.IMAGE_TOO_LARGE,
        assertThrows(Rejected.class, () -> fetcher.fetch(at("/chunked.png"), 10)).code());
  }

  @Test
  void cutsOffAServerThatDripsTheBodyPastTheTimeout() {
    long start = System.nanoTime();
    var e = assertThrows(Rejected.class, () -> fetcher.fetch(at("/drip.png"), 1 << 20));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(ErrorCode.URI_FETCH_FAILED, e.code(), e.getMessage());
    assertTrue(millis < 10_000, "gave up after " + millis + " ms");
  }

  @Test
  void reportsAMissingImageAsFetchFailed() {
    var e = assertThrows(Rejected.class, () -> fetcher.fetch(at("/nothing-here.png"), 1 << 20));
    assertEquals(ErrorCode.URI_FETCH_FAILED, e.code());
  }
}
