package dev.glimpse.ops.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The view's handlers on a server of someone else's, under a base path of its own. */
class LiveViewTest {
  private final Board board = new Board(ViewSettings.defaults());
  private final LiveView view = new LiveView(board);
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpServer server;
  private ExecutorService executor;
  private String base;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/metrics",
        exchange -> {
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    view.register(server, "/view/");
    executor = Executors.newCachedThreadPool();
    server.setExecutor(executor);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort() + "/view/";
  }

  @AfterEach
  void stop() {
    view.close();
    server.stop(1);
    executor.shutdownNow();
  }

  @Test
  void thePageAndItsAssetsComeFromTheJarWithTheirTypesUnderAPolicyThatRunsOnlyTheirScript()
      throws Exception {
    assertServed("", "text/html; charset=utf-8", "<script src=\"view.js\" defer></script>");
    assertServed("view.js", "text/javascript; charset=utf-8", "textContent");
    assertServed("view.css", "text/css; charset=utf-8", ".card");
    assertEquals(204, get("/metrics").statusCode(), "the server's other handlers are left alone");
  }

  @Test
  void whatTheViewDoesNotServeIsA404ThatSaysWhatItServesAndOnlyGetIsAnswered() throws Exception {
    HttpResponse<String> missing = get("/view/thumb/7.png");
    assertEquals(404, missing.statusCode());
    assertTrue(
        missing
            .body()
            .startsWith(
                "nothing here: the view serves its page, events, cards.json and thumb/N.png"),
        missing.body());
    assertEquals(404, get("/view/../pom.xml").statusCode());
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "cards.json"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
    assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    HttpResponse<String> head =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "events"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, head.statusCode(), "a HEAD of the stream answers at once");
  }

  @Test
  void theEventStreamStartsWithAResetAndEveryCardThenTheNumbers() throws Exception {
    board.event("cam<1>", "", 1, new byte[] {1}, "", List.of(Card.Task.pending(0, "caption", "")));
    HttpResponse<InputStream> stream =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "events")).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(
        "text/event-stream; charset=utf-8", stream.headers().firstValue("Content-Type").orElse(""));
    List<String> lines = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine();
          line != null && !line.equals("event: stats");
          line = in.readLine()) {
        lines.add(line);
      }
    }
    assertEquals(
        List.of("retry: 2000", "", "event: reset", "data: {\"max_cards\":100}", "", "event: card"),
        lines.subList(0, 6));
    assertTrue(lines.get(6).startsWith("data: {\"seq\":1,\"eventId\":\"cam<1>\""), lines.get(6));
  }

  @Test
  void aBasePathMustEndWithASlashBecauseThePageLinksItsAssetsRelatively() {
    assertThrows(IllegalArgumentException.class, () -> view.register(server, "/live"));
  }

  private void assertServed(String path, String type, String contains) throws Exception {
    HttpResponse<String> r = get("/view/" + path);
    assertEquals(200, r.statusCode(), path);
    assertEquals(type, r.headers().firstValue("Content-Type").orElse(""), path);
    assertEquals(LiveView.CSP, r.headers().firstValue("Content-Security-Policy").orElse(""), path);
    assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
    assertTrue(r.body().contains(contains), path + ": " + r.body());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base.replace("/view/", "") + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
