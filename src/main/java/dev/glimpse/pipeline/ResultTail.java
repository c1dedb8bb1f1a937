package dev.glimpse.pipeline;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.kafka.Topic;
import dev.glimpse.kafka.Topics;
import dev.glimpse.kafka.Watchers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads the result topics and the dead-letter topic with one read_committed consumer and turns each
 * record into a {@link Result}: what a person or a program downstream sees.
 */
public final class ResultTail implements AutoCloseable {

  /** One output of the pipeline. */
  public record Result(
      String kind,
      String eventId,
      Integer taskIndex,
      String text,
      Map<String, Double> scores,
      Boolean flagged,
      boolean fromCache,
      long totalMillis,
      String errorCode,
      String modelId,
      Object record) {

    /** A moderation verdict: scores and flag, no text. */
    static Result of(ModerationResult m) {
      return new Result(
          "moderation",
          m.getEventId(),
          m.getTaskIndex(),
          null,
          m.getScores(),
          m.getFlagged(),
          m.getFromCache(),
          m.getTimings().getTotalMs(),
          null,
          m.getModelId(),
          m);
    }

    /** The key that says which event (and task) it answers. */
    public String taskKey() {
      return eventId + "#" + (taskIndex == null ? "*" : taskIndex);
    }

    public boolean isDeadLetter() {
      return kind.equals("dead_letter");
    }

    /** One line for a person. */
    public String describe() {
      return switch (kind) {
        case "caption" -> String.format("%-28s caption   %s%s", eventId, text, suffix());
        case "answer" -> String.format("%-28s answer    %s%s", eventId, text, suffix());
        case "moderation" ->
            String.format(
                "%-28s moderation %s%s%s",
                eventId, formattedScores(), flagged ? " FLAGGED" : "", suffix());
        case "undecodable" -> String.format("%-28s UNDECODABLE %s", eventId, text);
        default -> String.format("%-28s DEAD LETTER %s: %s", eventId, errorCode, text);
      };
    }

    /**
     * Each category's score, and beside it its threshold and verdict when the result has them
     * ({@code hazard=0.750 (threshold 0.500, flagged)}); a version 1 result has neither.
     */
    private String formattedScores() {
      ModerationResult m = record instanceof ModerationResult r ? r : null;
      StringBuilder out = new StringBuilder();
      for (Map.Entry<String, Double> score : new TreeMap<>(scores).entrySet()) {
        List<String> beside = new ArrayList<>();
        Double threshold = m == null ? null : m.getThresholds().get(score.getKey());
        Boolean flagged = m == null ? null : m.getCategories().get(score.getKey());
        if (threshold != null) {
          beside.add(String.format("threshold %.3f", threshold));
        }
        if (flagged != null) {
          beside.add(flagged ? "flagged" : "clear");
        }
        out.append(out.length() == 0 ? "" : " ")
            .append(score.getKey())
            .append('=')
            .append(String.format("%.3f", score.getValue()))
            .append(beside.isEmpty() ? "" : " (" + String.join(", ", beside) + ")");
      }
      return out.toString();
    }

    private String suffix() {
      return fromCache ? "  (from cache)" : String.format("  (%d ms)", totalMillis);
    }
  }

  private final KafkaConsumer<String, byte[]> consumer;
  private final Set<String> subscribed;
  private final Topics topics;

  /**
   * One consumer ({@link Watchers}) subscribed to the topic of every kind asked.
   *
   * @param fromBeginning read what the topics already hold, or only what arrives from now on
   */
  public ResultTail(
      Map<String, String> clientProperties,
      Topics topics,
      List<String> kinds,
      boolean fromBeginning) {
    this.topics = topics;
    this.subscribed = new LinkedHashSet<>();
    for (String kind : kinds) {
      subscribed.add(topicOf(kind).name());
    }
    this.consumer =
        Watchers.subscribed(
            "glimpse-tail-", clientProperties, fromBeginning, List.copyOf(subscribed));
  }

  public static List<String> allKinds() {
    return List.of("caption", "answer", "moderation", "dead_letter");
  }

  private Topic<String, ?> topicOf(String kind) {
    return switch (kind) {
      case "caption" -> topics.captions();
      case "answer" -> topics.answers();
      case "moderation" -> topics.moderation();
      case "dead_letter" -> topics.dlq();
      default ->
          throw new IllegalArgumentException(
              "unknown result kind " + kind + "; use caption, answer, moderation or dead_letter");
    };
  }

  /**
   * Waits until the consumer has partitions of every topic it reads, so nothing published after is
   * missed.
   */
  public void awaitAssignment(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!assignedEveryTopic() && System.nanoTime() < deadline) {
      consumer
          .poll(Duration.ofMillis(50))
          .forEach(
              r -> {
                throw new IllegalStateException(
                    "a result arrived before the tail was ready: " + r.key());
              });
    }
  }

  private boolean assignedEveryTopic() {
    Set<String> assigned = new HashSet<>();
    consumer.assignment().forEach(tp -> assigned.add(tp.topic()));
    return assigned.containsAll(subscribed);
  }

  /** What arrived within about {@code timeout}. */
  public List<Result> poll(Duration timeout) {
    List<Result> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
      out.add(decodeOrSay(record));
    }
    return out;
  }

  /**
   * A record that is not the topic's contract (a foreign producer, a corrupt write) becomes an
   * "undecodable" result that says where it is, rather than ending the tail on it.
   */
  private Result decodeOrSay(ConsumerRecord<String, byte[]> r) {
    try {
      return decode(r);
    } catch (SerializationException e) {
      return new Result(
          "undecodable",
          r.key(),
          null,
          r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage(),
          null,
          null,
          false,
          0,
          null,
          null,
          null);
    }
  }

  private Result decode(ConsumerRecord<String, byte[]> r) {
    String topic = r.topic();
    if (topic.equals(topics.captions().name())) {
      CaptionResult c = topics.captions().valueSerde().deserializer().deserialize(topic, r.value());
      return new Result(
          "caption",
          c.getEventId(),
          c.getTaskIndex(),
          c.getCaption(),
          null,
          null,
          c.getFromCache(),
          c.getTimings().getTotalMs(),
          null,
          c.getModelId(),
          c);
    }
    if (topic.equals(topics.answers().name())) {
      AnswerResult a = topics.answers().valueSerde().deserializer().deserialize(topic, r.value());
      return new Result(
          "answer",
          a.getEventId(),
          a.getTaskIndex(),
          a.getAnswer(),
          null,
          null,
          a.getFromCache(),
          a.getTimings().getTotalMs(),
          null,
          a.getModelId(),
          a);
    }
    if (topic.equals(topics.moderation().name())) {
      return Result.of(
          topics.moderation().valueSerde().deserializer().deserialize(topic, r.value()));
    }
    DeadLetter d = topics.dlq().valueSerde().deserializer().deserialize(topic, r.value());
    String eventId = d.getEventId();
    if (eventId == null && d.getOriginalKey() != null) {
      eventId = StandardCharsets.UTF_8.decode(d.getOriginalKey().duplicate()).toString();
    }
    if (eventId == null) {
      eventId = r.key();
    }
    return new Result(
        "dead_letter",
        eventId,
        d.getTaskIndex(),
        d.getMessage(),
        null,
        null,
        false,
        0,
        d.getCode().name(),
        null,
        d);
  }

  @Override
  public void close() {
    consumer.close();
  }
}
