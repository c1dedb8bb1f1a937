package dev.glimpse.ops.view;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One page's event stream: a {@code reset}, every card, then each change as it happens and the
 * numbers ({@code stats}) once a second, which also tells a closed connection from a quiet one. A
 * page that reads too slowly for its queue is cut off; its EventSource reconnects and starts again
 * from a fresh snapshot, so it misses nothing and the server holds nothing for it.
 */
final class SseStream {
  static final int MAX_STREAMS = 16;
  private static final int QUEUE = 1024;
  private static final long STATS_EVERY_NANOS = 1_000_000_000L;

  private final Board board;
  private final ObjectMapper json;
  private final OutputStream out;
  private final BooleanSupplier closed;

  SseStream(Board board, ObjectMapper json, OutputStream out, BooleanSupplier closed) {
    this.board = board;
    this.json = json;
    this.out = out;
    this.closed = closed;
  }

  void run() throws IOException {
    BlockingQueue<Board.Change> changes = new ArrayBlockingQueue<>(QUEUE);
    AtomicBoolean overflowed = new AtomicBoolean();
    Consumer<Board.Change> listener =
        change -> {
          if (!changes.offer(change)) {
            overflowed.set(true);
          }
        };
    List<Card> snapshot = board.subscribe(listener);
    try {
      write("retry: 2000\n\n");
      send("reset", Map.of("max_cards", board.settings().maxCards()));
      for (Card card : snapshot) {
        send("card", card);
      }
      send("stats", board.stats());
      long lastStats = System.nanoTime();
      while (!closed.getAsBoolean() && !overflowed.get()) {
        Board.Change change = changes.poll(250, TimeUnit.MILLISECONDS);
        if (change instanceof Board.Updated u) {
          send("card", u.card());
        } else if (change instanceof Board.Dropped d) {
          send("drop", Map.of("seq", d.seq()));
        }
        if (System.nanoTime() - lastStats >= STATS_EVERY_NANOS) {
          send("stats", board.stats());
          lastStats = System.nanoTime();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException pageWentAway) {
      // the browser closed the page or reloaded it: nothing to report
    } finally {
      board.unsubscribe(listener);
    }
  }

  private void send(String event, Object data) throws IOException {
    // Jackson escapes line breaks inside strings, so the JSON is one data line
    write("event: " + event + "\ndata: " + json.writeValueAsString(data) + "\n\n");
  }

  private void write(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
