package dev.glimpse.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The HTTP side of a process, on the JDK's own server: {@code /metrics} (Prometheus text format),
 * {@code /health/live} (200 while the process answers at all) and {@code /health/ready} (200 when
 * every readiness check is up, else 503), each with a small JSON body; {@code /} lists the routes.
 * Other packages add their pages with {@link #route(String, HttpHandler)} (the live view does).
 *
 * <p>Binds 127.0.0.1 unless told otherwise: metrics and the view are for the operator's own machine
 * or a scraper in the same network namespace, not the internet.
 */
public final class OpsServer implements AutoCloseable {
  /** What a route path must look like: absolute, no spaces. */
  private static final Pattern PATH = Pattern.compile("/[\\x21-\\x7e]*");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final Set<String> routes = new TreeSet<>();

  private OpsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving {@code metrics} and {@code health} on {@code host:port} (port 0: any free port).
   *
   * @throws OpsServerException OPS_HTTP_BIND when the address is taken or cannot be bound
   */
  public static OpsServer start(String host, int port, Metrics metrics, Health health) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException | RuntimeException e) {
      throw new OpsServerException(
          "OPS_HTTP_BIND",
          "cannot serve metrics and health on "
              + host
              + ":"
              + port
              + " ("
              + e
              + "); choose a free --http-port (0 takes any) or another --http-host");
    }
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "glimpse-ops-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    OpsServer ops = new OpsServer(server, executor);
    ops.route("/", ops::index);
    ops.route(
        "/metrics",
        exact(
            "/metrics",
            exchange ->
                send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape())));
    ops.route(
        "/health/live",
        exact("/health/live", exchange -> sendJson(exchange, 200, status(true, Map.of()))));
    ops.route(
        "/health/ready",
        exact(
            "/health/ready",
            exchange -> {
              Map<String, Health.Status> checks = health.statuses();
              boolean ready =
                  !checks.isEmpty() && checks.values().stream().allMatch(Health.Status::up);
              sendJson(exchange, ready ? 200 : 503, status(ready, checks));
            }));
    server.start();
    return ops;
  }

  /**
   * Serves {@code path} and everything under it with {@code handler} (the JDK server's context
   * rule: the longest matching prefix wins), on this server's threads. GET and HEAD only are passed
   * on; a handler that throws answers 500.
   */
  public synchronized OpsServer route(String path, HttpHandler handler) {
    if (!PATH.matcher(path).matches()) {
      throw new IllegalArgumentException(
          "a route is an absolute path without spaces, not '" + path + "'");
    }
    if (!routes.add(path)) {
      throw new IllegalArgumentException("the route " + path + " is served already");
    }
    server.createContext(
        path,
        exchange -> {
          try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
              exchange.getResponseHeaders().set("Allow", "GET, HEAD");
              send(
                  exchange,
                  405,
                  "text/plain; charset=utf-8",
                  "only GET and HEAD are served here\n");
              return;
            }
            handler.handle(exchange);
          } catch (IOException e) {
            // the client went away: nothing to answer
          } catch (RuntimeException e) {
            try {
              send(exchange, 500, "text/plain; charset=utf-8", "OPS_HTTP_ERROR: " + e + "\n");
            } catch (IOException | RuntimeException ignored) {
              // headers were sent already: the connection closes
            }
          }
        });
    return this;
  }

  /** The port it listens on (the chosen one when started with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://host:port/}, for the start-up line and for tests. */
  public String url() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/";
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void index(HttpExchange exchange) throws IOException {
    if (!exchange.getRequestURI().getPath().equals("/")) {
      notFound(exchange);
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    synchronized (this) {
      routes.forEach(body.putArray("routes")::add);
    }
    sendJson(exchange, 200, body);
  }

  /** A handler for exactly this path; anything longer under it is a 404. */
  private static HttpHandler exact(String path, HttpHandler handler) {
    return exchange -> {
      if (exchange.getRequestURI().getPath().equals(path)) {
        handler.handle(exchange);
      } else {
        notFound(exchange);
      }
    };
  }

  /** A path no route serves: the root's own 404 and that of a path under a route. */
  private static void notFound(HttpExchange exchange) throws IOException {
    sendJson(
        exchange,
        404,
        JSON.createObjectNode()
            .put("error", "OPS_HTTP_NOT_FOUND")
            .put(
                "message",
                "no route " + exchange.getRequestURI().getPath() + "; the routes are listed at /"));
  }

  private static ObjectNode status(boolean up, Map<String, Health.Status> checks) {
    ObjectNode body = JSON.createObjectNode();
    body.put("status", up ? "UP" : "DOWN");
    if (!checks.isEmpty()) {
      ObjectNode each = body.putObject("checks");
      checks.forEach(
          (name, s) ->
              each.putObject(name).put("status", s.up() ? "UP" : "DOWN").put("detail", s.detail()));
    }
    return body;
  }

  private static void sendJson(HttpExchange exchange, int code, ObjectNode body)
      throws IOException {
    send(exchange, code, "application/json", JSON.writeValueAsString(body) + "\n");
  }

  /** Sends a whole body (none for HEAD) and the length it has. */
  public static void send(HttpExchange exchange, int code, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** The server could not start; the code says why. */
  public static final class OpsServerException extends RuntimeException {
    private final String code;

    OpsServerException(String code, String message) {
      super(code + ": " + message);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }
}
