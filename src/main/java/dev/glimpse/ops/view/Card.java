package dev.glimpse.ops.view;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One event as the page shows it: what it asked and what has come back so far. A value: every
 * update makes a new card, so a snapshot handed to a browser never changes under it. Texts come
 * from the stream and are shown as text, never as markup ({@code view.js}).
 *
 * @param seq the view's own number for the card (thumbnail URLs use it, never the event id)
 * @param eventId the event id, as the stream gave it
 * @param source the event's source field, "" when unknown
 * @param eventTimeMs the event's timestamp, 0 when the event itself was not seen
 * @param thumbnail whether {@code thumb/<seq>.png} has a picture
 * @param note why there is no picture (an image by URI, one too large to preview), "" otherwise
 * @param tasks the event's tasks by index, results filled in as they arrive
 * @param deadLetters the dead letters written for the event or one of its tasks
 */
public record Card(
    long seq,
    String eventId,
    String source,
    long eventTimeMs,
    boolean thumbnail,
    String note,
    List<Task> tasks,
    List<DeadLetter> deadLetters) {

  /** Longest text kept from the stream: a card is a glance, and memory is bounded. */
  static final int MAX_TEXT = 600;

  /** Most tasks shown for one event. */
  static final int MAX_TASKS = 32;

  public Card {
    eventId = clip(eventId);
    source = clip(source);
    note = clip(note);
    tasks = List.copyOf(tasks);
    deadLetters = List.copyOf(deadLetters);
  }

  /**
   * One task and its result, once there is one.
   *
   * @param kind caption, answer or moderation
   * @param question the question of an answer task, "" for the others
   * @param status {@value #PENDING} until the result arrives, then {@value #DONE}; {@value #DEAD}
   *     when a dead letter for the task or the whole event says none will come
   * @param text the caption or the answer, "" before it arrives and for moderation
   * @param scores category to probability, sorted by category (moderation only)
   * @param totalMs the worker's time for it, 0 from the cache
   */
  public record Task(
      int index,
      String kind,
      String question,
      String status,
      String text,
      Map<String, Double> scores,
      boolean flagged,
      boolean fromCache,
      long totalMs) {
    public static final String PENDING = "pending";
    public static final String DONE = "done";
    public static final String DEAD = "dead";

    public Task {
      question = clip(question);
      text = clip(text);
      scores = new TreeMap<>(scores);
    }

    static Task pending(int index, String kind, String question) {
      return new Task(index, kind, question, PENDING, "", Map.of(), false, false, 0);
    }

    boolean done() {
      return status.equals(DONE);
    }

    Task withQuestion(String asked) {
      return new Task(index, kind, asked, status, text, scores, flagged, fromCache, totalMs);
    }

    Task dead() {
      return new Task(index, kind, question, DEAD, text, scores, flagged, fromCache, totalMs);
    }
  }

  /** A dead letter: for one task when {@code taskIndex} is set, else for the whole event. */
  public record DeadLetter(Integer taskIndex, String code, String message) {
    public DeadLetter {
      code = clip(code);
      message = clip(message);
    }
  }

  static Card empty(long seq, String eventId) {
    return new Card(seq, eventId, "", 0, false, "", List.of(), List.of());
  }

  Card withEvent(
      String source, long eventTimeMs, boolean thumbnail, String note, List<Task> pending) {
    // results that came before the event (another consumer, another partition) are kept
    Map<Integer, Task> byIndex = new TreeMap<>();
    pending.stream().limit(MAX_TASKS).forEach(t -> byIndex.put(t.index(), t));
    for (Task t : tasks) {
      Task asked = byIndex.get(t.index());
      if (asked == null) {
        byIndex.put(t.index(), t);
      } else if (t.done()) {
        byIndex.put(t.index(), t.withQuestion(asked.question()));
      }
    }
    // a dead letter can come before the event it is about
    return new Card(
        seq,
        eventId,
        source,
        eventTimeMs,
        thumbnail,
        note,
        deadWhereLettered(byIndex.values(), deadLetters),
        deadLetters);
  }

  Card withResult(Task result) {
    Map<Integer, Task> byIndex = new TreeMap<>();
    tasks.forEach(t -> byIndex.put(t.index(), t));
    Task before = byIndex.get(result.index());
    if (before == null && byIndex.size() >= MAX_TASKS) {
      return this;
    }
    // only an answer carries its question: for the others keep what the event asked
    String question =
        result.question().isEmpty() && before != null ? before.question() : result.question();
    byIndex.put(
        result.index(),
        new Task(
            result.index(),
            result.kind(),
            question,
            Task.DONE,
            result.text(),
            result.scores(),
            result.flagged(),
            result.fromCache(),
            result.totalMs()));
    return withTasks(new ArrayList<>(byIndex.values()), deadLetters);
  }

  Card withDeadLetter(DeadLetter letter) {
    if (deadLetters.size() >= MAX_TASKS) {
      return this;
    }
    List<DeadLetter> letters = new ArrayList<>(deadLetters);
    letters.add(letter);
    return withTasks(deadWhereLettered(tasks, letters), letters);
  }

  /** This event's card with other tasks and dead letters. */
  private Card withTasks(List<Task> newTasks, List<DeadLetter> newLetters) {
    return new Card(seq, eventId, source, eventTimeMs, thumbnail, note, newTasks, newLetters);
  }

  /**
   * Tasks still waiting that a letter for them, or for the whole event, says will get no result.
   */
  private static List<Task> deadWhereLettered(Collection<Task> tasks, List<DeadLetter> letters) {
    List<Task> out = new ArrayList<>();
    for (Task t : tasks) {
      boolean lettered =
          letters.stream().anyMatch(l -> l.taskIndex() == null || l.taskIndex() == t.index());
      out.add(t.status().equals(Task.PENDING) && lettered ? t.dead() : t);
    }
    return out;
  }

  static String clip(String text) {
    if (text == null) {
      return "";
    }
    return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT) + "…";
  }
}
