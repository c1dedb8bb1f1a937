package dev.glimpse.ops.view;

import com.sun.net.httpserver.HttpServer;
import dev.glimpse.kafka.Topics;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live view on an HTTP server of its own, as {@code view} and {@code demo} run it: a board, the
 * feed that fills it and the page. (Beside the metrics server, the same {@link LiveView} is
 * registered on that server instead.)
 */
public final class StandaloneView implements AutoCloseable {
  private final Feed feed;
  private final LiveView view;
  private final HttpServer server;
  private final ExecutorService executor;

  private StandaloneView(Feed feed, LiveView view, HttpServer server, ExecutorService executor) {
    this.feed = feed;
    this.view = view;
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code host:port} (0: any free port), then starts reading the cluster.
   *
   * @param portOption the option that sets the port, for the message when it is taken
   * @throws ViewException VIEW_PORT_IN_USE when the port is taken
   */
  public static StandaloneView start(
      Map<String, String> clientProperties,
      Topics topics,
      ViewSettings settings,
      String host,
      int port,
      boolean fromBeginning,
      String portOption) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (BindException e) {
      throw cannotListen(
          host,
          port,
          e.getMessage(),
          "choose another port with " + portOption + " (0 takes any free one)",
          e);
    } catch (IOException e) {
      throw cannotListen(host, port, e.toString(), "check the host and " + portOption, e);
    }
    Board board = new Board(settings);
    LiveView view = new LiveView(board);
    view.register(server, "/");
    // one thread per open event stream, plus a few for the page, its assets and thumbnails
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            SseStream.MAX_STREAMS + 4,
            r -> {
              Thread t = new Thread(r, "glimpse-view-http-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    Feed feed;
    try {
      feed = Feed.start(clientProperties, topics, board, fromBeginning);
    } catch (RuntimeException e) {
      server.stop(0);
      executor.shutdownNow();
      throw e;
    }
    server.start();
    return new StandaloneView(feed, view, server, executor);
  }

  /** The page's address: {@code http://HOST:PORT/}. */
  public String url() {
    InetSocketAddress address = server.getAddress();
    String host = address.getAddress().getHostAddress();
    return "http://"
        + (host.contains(":") ? "[" + host + "]" : host)
        + ":"
        + address.getPort()
        + "/";
  }

  /** The feed's end: a failure completes it exceptionally with VIEW_FEED_FAILED. */
  public Feed feed() {
    return feed;
  }

  @Override
  public void close() {
    view.close();
    feed.close();
    // the event streams see the close within a second
    server.stop(1);
    executor.shutdownNow();
  }

  /** The view's port cannot be bound: why (the OS's words), and what to do. */
  private static ViewException cannotListen(
      String host, int port, String why, String advice, IOException cause) {
    return new ViewException(
        ViewException.Code.VIEW_PORT_IN_USE,
        "cannot listen on " + host + ":" + port + " (" + why + "); " + advice,
        cause);
  }
}
