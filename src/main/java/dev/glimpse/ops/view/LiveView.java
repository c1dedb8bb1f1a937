package dev.glimpse.ops.view;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The page's HTTP side, as handlers any {@link HttpServer} can carry under a base path: the page
 * and its assets (all in the jar), {@code events} (server-sent events: every card, then each change
 * and the numbers once a second), {@code cards.json} (the same as one snapshot) and {@code
 * thumb/<seq>.png}.
 *
 * <p>Nothing from the stream reaches the page as markup or script: cards travel as JSON and {@code
 * view.js} puts their texts in with {@code textContent}; the Content-Security-Policy lets the page
 * run only its own script, and every response says {@code nosniff}. Thumbnails are PNGs the view
 * encoded, addressed by the view's card number, never by the event id.
 *
 * <p>Each open {@code events} stream holds one of the server's threads: the server needs an
 * executor with more threads than {@value SseStream#MAX_STREAMS}, the streams allowed at once.
 */
public final class LiveView {
  private static final Pattern THUMB = Pattern.compile("thumb/(\\d{1,18})\\.png");
  private static final Map<String, String> ASSETS =
      Map.of(
          "", "index.html",
          "view.js", "view.js",
          "view.css", "view.css");
  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
          + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final Board board;
  private final ObjectMapper json = new ObjectMapper();
  private final AtomicInteger openStreams = new AtomicInteger();
  private volatile boolean closed;

  public LiveView(Board board) {
    this.board = board;
  }

  /**
   * Serves the view under {@code basePath} ("/" or "/view/": it must end with a slash, the page
   * links its assets relative to it).
   */
  public void register(HttpServer server, String basePath) {
    if (!basePath.startsWith("/") || !basePath.endsWith("/")) {
      throw new IllegalArgumentException(
          "the view's base path must start and end with '/', got '" + basePath + "'");
    }
    server.createContext(
        basePath,
        exchange -> {
          try (exchange) {
            handle(exchange, exchange.getRequestURI().getPath().substring(basePath.length() - 1));
          }
        });
  }

  /** Ends the open event streams (their threads return to the server). */
  public void close() {
    closed = true;
  }

  boolean closed() {
    return closed;
  }

  private void handle(HttpExchange exchange, String pathWithSlash) throws IOException {
    commonHeaders(exchange);
    String method = exchange.getRequestMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD");
      text(exchange, 405, "the live view only answers GET");
      return;
    }
    String path = pathWithSlash.substring(1);
    if (ASSETS.containsKey(path)) {
      asset(exchange, ASSETS.get(path));
    } else if (path.equals("events")) {
      events(exchange);
    } else if (path.equals("cards.json")) {
      byte[] body = json.writeValueAsBytes(Map.of("cards", board.cards(), "stats", board.stats()));
      send(exchange, 200, "application/json; charset=utf-8", body);
    } else {
      Matcher thumb = THUMB.matcher(path);
      Optional<byte[]> png =
          thumb.matches() ? board.thumbnail(Long.parseLong(thumb.group(1))) : Optional.empty();
      if (png.isPresent()) {
        send(exchange, 200, "image/png", png.get());
      } else {
        text(
            exchange,
            404,
            "nothing here: the view serves its page, events, cards.json and thumb/N.png"
                + " (a card's thumbnail goes when the card drops out)");
      }
    }
  }

  private void events(HttpExchange exchange) throws IOException {
    if (exchange.getRequestMethod().equals("HEAD")) {
      // a HEAD must not hold a thread for a stream it will never read
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    if (openStreams.incrementAndGet() > SseStream.MAX_STREAMS) {
      openStreams.decrementAndGet();
      exchange.getResponseHeaders().set("Retry-After", "10");
      text(
          exchange,
          503,
          "VIEW_BUSY: " + SseStream.MAX_STREAMS + " pages are open already; close one and reload");
      return;
    }
    try {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      exchange.sendResponseHeaders(200, 0);
      new SseStream(board, json, exchange.getResponseBody(), this::closed).run();
    } finally {
      openStreams.decrementAndGet();
    }
  }

  private void asset(HttpExchange exchange, String name) throws IOException {
    try (InputStream in = LiveView.class.getResourceAsStream(name)) {
      if (in == null) {
        text(
            exchange,
            500,
            "the view's " + name + " is missing from the jar: rebuild it (mvn package)");
        return;
      }
      String type =
          name.endsWith(".html")
              ? "text/html; charset=utf-8"
              : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
      send(exchange, 200, type, in.readAllBytes());
    }
  }

  private static void commonHeaders(HttpExchange exchange) {
    var h = exchange.getResponseHeaders();
    h.set("Content-Security-Policy", CSP);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "no-referrer");
    h.set("Cache-Control", "no-store");
  }

  private static void text(HttpExchange exchange, int status, String message) throws IOException {
    send(
        exchange,
        status,
        "text/plain; charset=utf-8",
        (message + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
