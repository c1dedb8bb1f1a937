package dev.glimpse.ops.view;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.ImageUri;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.kafka.Topics;
import dev.glimpse.kafka.Watchers;
import dev.glimpse.pipeline.ResultTail;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Fills the {@link Board} from the cluster on one thread: a read_committed consumer of the images
 * topic for the pictures and the tasks, and a {@link ResultTail} for the three result topics and
 * the dead letters. Consumers of their own group each, committing nothing: the view takes no work
 * from anyone.
 */
public final class Feed implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> images;
  private final ResultTail results;
  private final Topics topics;
  private final Board board;
  private final Thumbnails thumbnails;
  private final Thread thread;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile boolean running = true;

  private Feed(
      Map<String, String> clientProperties, Topics topics, Board board, boolean fromBeginning) {
    this.topics = topics;
    this.board = board;
    this.thumbnails = new Thumbnails(board.settings());
    this.images =
        Watchers.subscribed(
            "glimpse-view-", clientProperties, fromBeginning, List.of(topics.images().name()));
    this.results = new ResultTail(clientProperties, topics, ResultTail.allKinds(), fromBeginning);
    this.thread = new Thread(this::run, "glimpse-view-feed");
    thread.setDaemon(true);
  }

  /**
   * Starts reading.
   *
   * @param fromBeginning read what the topics hold (a fresh demo broker), or only what arrives
   */
  public static Feed start(
      Map<String, String> clientProperties, Topics topics, Board board, boolean fromBeginning) {
    Feed feed = new Feed(clientProperties, topics, board, fromBeginning);
    feed.thread.start();
    return feed;
  }

  /**
   * Completes when the feed stops: normally after {@link #close()}, exceptionally when it failed.
   */
  public CompletableFuture<Void> stopped() {
    return stopped;
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : images.poll(Duration.ofMillis(100))) {
          event(record);
        }
        for (ResultTail.Result r : results.poll(Duration.ofMillis(100))) {
          result(r);
        }
      }
      stopped.complete(null);
    } catch (WakeupException e) {
      stopped.complete(null);
    } catch (RuntimeException e) {
      board.feedStopped("VIEW_FEED_FAILED: " + e.getMessage());
      stopped.completeExceptionally(
          new ViewException(
              ViewException.Code.VIEW_FEED_FAILED,
              "the view stopped reading the cluster ("
                  + e
                  + "); check the Kafka settings and restart it",
              e));
    } finally {
      images.close();
      results.close();
    }
  }

  private void event(ConsumerRecord<String, byte[]> record) {
    ImageEvent event;
    try {
      event =
          topics.images().valueSerde().deserializer().deserialize(record.topic(), record.value());
    } catch (SerializationException e) {
      // ingest dead-letters it as NOT_AVRO; the card shows that letter when it comes
      board.event(
          record.key() == null ? "" : record.key(),
          "",
          record.timestamp(),
          null,
          "no preview: the record is not an ImageEvent",
          List.of());
      return;
    }
    Thumbnails.Preview preview =
        event.getImage() instanceof InlineImage inline
            ? thumbnails.of(bytes(inline.getData()))
            : new Thumbnails.Preview(
                null,
                "image by URI, not fetched by the view: " + ((ImageUri) event.getImage()).getUri());
    board.event(
        event.getEventId(),
        event.getSource(),
        event.getTimestamp().toEpochMilli(),
        preview.png(),
        preview.note(),
        pending(event.getTasks()));
  }

  private static List<Card.Task> pending(List<Object> tasks) {
    List<Card.Task> pending = new ArrayList<>();
    for (int i = 0; i < tasks.size() && i < Card.MAX_TASKS; i++) {
      Object task = tasks.get(i);
      if (task instanceof CaptionTask) {
        pending.add(Card.Task.pending(i, "caption", ""));
      } else if (task instanceof QuestionTask q) {
        pending.add(Card.Task.pending(i, "answer", q.getQuestion()));
      } else if (task instanceof ModerationTask) {
        pending.add(Card.Task.pending(i, "moderation", ""));
      }
    }
    return pending;
  }

  private void result(ResultTail.Result r) {
    switch (r.kind()) {
      case "caption", "moderation" -> board.result(r.eventId(), task(r, ""));
      case "answer" ->
          board.result(r.eventId(), task(r, ((AnswerResult) r.record()).getQuestion()));
      case "dead_letter" ->
          board.deadLetter(
              r.eventId(), new Card.DeadLetter(r.taskIndex(), r.errorCode(), r.text()));
      default ->
          board.deadLetter(
              r.eventId() == null ? "" : r.eventId(),
              new Card.DeadLetter(null, "UNDECODABLE", r.text()));
    }
  }

  private static Card.Task task(ResultTail.Result r, String question) {
    return new Card.Task(
        r.taskIndex(),
        r.kind(),
        question,
        Card.Task.DONE,
        r.text(),
        r.scores() == null ? Map.of() : r.scores(),
        Boolean.TRUE.equals(r.flagged()),
        r.fromCache(),
        r.totalMillis());
  }

  private static byte[] bytes(ByteBuffer data) {
    ByteBuffer copy = data.duplicate();
    byte[] out = new byte[copy.remaining()];
    copy.get(out);
    return out;
  }

  /** Stops the thread and closes the consumers. */
  @Override
  public void close() {
    running = false;
    images.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
