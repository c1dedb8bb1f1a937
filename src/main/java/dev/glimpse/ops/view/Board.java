package dev.glimpse.ops.view;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The cards of the last {@link ViewSettings#maxCards()} events and their thumbnails, updated by the
 * {@link Feed} and read by the page. Adding a card past the limit drops the oldest one and its
 * thumbnail, so memory stays bounded however long the stream runs. Listeners hear every change in
 * order, under the board's lock: they must only hand it on (a queue), never block.
 */
public final class Board {

  /** What a listener hears. */
  public sealed interface Change permits Updated, Dropped {}

  /** A card is new or has new results. */
  public record Updated(Card card) implements Change {}

  /** A card fell out of the board. */
  public record Dropped(long seq) implements Change {}

  private final ViewSettings settings;
  // insertion order is arrival order: the first entry is the oldest card
  private final LinkedHashMap<String, Card> cards = new LinkedHashMap<>();
  private final Map<Long, byte[]> thumbnails = new LinkedHashMap<>();
  private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
  private final Throughput throughput = new Throughput();
  private long nextSeq = 1;
  private String feedProblem = "";

  public Board(ViewSettings settings) {
    this.settings = settings;
  }

  public ViewSettings settings() {
    return settings;
  }

  /** An image event: its picture (a PNG, or null with a note saying why none) and its tasks. */
  public synchronized void event(
      String eventId,
      String source,
      long eventTimeMs,
      byte[] thumbnailPng,
      String note,
      List<Card.Task> pending) {
    Card card = cardOf(eventId);
    if (thumbnailPng != null) {
      thumbnails.put(card.seq(), thumbnailPng);
    }
    throughput.event(System.nanoTime());
    put(card.withEvent(source, eventTimeMs, thumbnailPng != null, note, pending));
  }

  /** A caption, answer or moderation verdict for one of the event's tasks. */
  public synchronized void result(String eventId, Card.Task result) {
    Card card = cardOf(eventId);
    throughput.result(
        System.nanoTime(),
        card.eventTimeMs() == 0
            ? -1
            : Math.max(0, System.currentTimeMillis() - card.eventTimeMs()));
    put(card.withResult(result));
  }

  /** A dead letter for the event or one of its tasks. */
  public synchronized void deadLetter(String eventId, Card.DeadLetter letter) {
    throughput.deadLetter();
    put(cardOf(eventId).withDeadLetter(letter));
  }

  /** Why the feed stopped, shown at the top of the page. */
  public synchronized void feedStopped(String problem) {
    feedProblem = problem;
  }

  /** The cards, oldest first. */
  public synchronized List<Card> cards() {
    return List.copyOf(cards.values());
  }

  public synchronized Optional<byte[]> thumbnail(long seq) {
    return Optional.ofNullable(thumbnails.get(seq));
  }

  public synchronized Stats stats() {
    return throughput.stats(System.nanoTime(), cards.size(), feedProblem);
  }

  /**
   * Registers a listener and returns the cards at that moment (oldest first): the listener hears
   * every change after them, none before, none twice.
   */
  public synchronized List<Card> subscribe(Consumer<Change> listener) {
    listeners.add(listener);
    return cards();
  }

  public void unsubscribe(Consumer<Change> listener) {
    listeners.remove(listener);
  }

  private Card cardOf(String eventId) {
    Card card = cards.get(eventId);
    return card != null ? card : Card.empty(nextSeq++, eventId);
  }

  private void put(Card card) {
    boolean added = cards.put(card.eventId(), card) == null;
    tell(new Updated(card));
    if (added) {
      dropOldestBeyondLimit();
    }
  }

  private void dropOldestBeyondLimit() {
    Iterator<Card> oldest = cards.values().iterator();
    while (cards.size() > settings.maxCards()) {
      Card dropped = oldest.next();
      oldest.remove();
      thumbnails.remove(dropped.seq());
      tell(new Dropped(dropped.seq()));
    }
  }

  private void tell(Change change) {
    for (Consumer<Change> listener : listeners) {
      listener.accept(change);
    }
  }

  /**
   * The numbers at the top of the page.
   *
   * @param eventsPerSecond image events seen over the last {@value Throughput#WINDOW_SECONDS} s
   * @param resultsPerSecond results seen over the same window
   * @param latencyP50Ms from the event's timestamp to its result reaching the view, median of the
   *     last {@value Throughput#LATENCIES} results (-1 before any)
   * @param feed "" while the feed runs, else why it stopped
   */
  public record Stats(
      long events,
      long results,
      long deadLetters,
      double eventsPerSecond,
      double resultsPerSecond,
      long latencyP50Ms,
      long latencyP95Ms,
      int cards,
      String feed) {}

  /** Counters and a sliding window; only ever used under the board's lock. */
  private static final class Throughput {
    static final int WINDOW_SECONDS = 10;
    static final int LATENCIES = 500;
    private static final long WINDOW_NANOS = WINDOW_SECONDS * 1_000_000_000L;

    private final ArrayDeque<Long> eventTimes = new ArrayDeque<>();
    private final ArrayDeque<Long> resultTimes = new ArrayDeque<>();
    private final long[] latencies = new long[LATENCIES];
    private int latencyCount;
    private long events;
    private long results;
    private long deadLetters;

    void event(long now) {
      events++;
      eventTimes.addLast(now);
      trim(eventTimes, now);
    }

    void result(long now, long latencyMs) {
      results++;
      resultTimes.addLast(now);
      trim(resultTimes, now);
      if (latencyMs >= 0) {
        latencies[latencyCount++ % LATENCIES] = latencyMs;
      }
    }

    void deadLetter() {
      deadLetters++;
    }

    Stats stats(long now, int cards, String feed) {
      trim(eventTimes, now);
      trim(resultTimes, now);
      long[] sorted = Arrays.copyOf(latencies, Math.min(latencyCount, LATENCIES));
      Arrays.sort(sorted);
      return new Stats(
          events,
          results,
          deadLetters,
          eventTimes.size() / (double) WINDOW_SECONDS,
          resultTimes.size() / (double) WINDOW_SECONDS,
          percentile(sorted, 0.50),
          percentile(sorted, 0.95),
          cards,
          feed);
    }

    private static long percentile(long[] sorted, double q) {
      if (sorted.length == 0) {
        return -1;
      }
      return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }

    private static void trim(ArrayDeque<Long> times, long now) {
      while (!times.isEmpty() && now - times.peekFirst() > WINDOW_NANOS) {
        times.removeFirst();
      }
    }
  }
}
