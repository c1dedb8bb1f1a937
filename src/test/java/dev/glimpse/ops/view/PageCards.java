package dev.glimpse.ops.view;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contract.AnswerResult;
import dev.glimpse.pipeline.ResultTail;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live view's cards as the browser shows them ({@code read-cards.js} reads them from the DOM),
 * and the same cards built from the records on the topics, so a test can compare the two.
 */
public final class PageCards {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private PageCards() {}

  /** The expression that reads the page. */
  public static String script() {
    try (InputStream in = PageCards.class.getResourceAsStream("read-cards.js")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What {@link #script()} returned. */
  public static Page parse(JsonNode value) {
    try {
      return JSON.readValue(value.asText(), Page.class);
    } catch (IOException e) {
      throw new UncheckedIOException("the page read back as " + value, e);
    }
  }

  public record Page(
      String connection,
      String title,
      Map<String, String> stats,
      int foreignElements,
      List<Shown> cards) {
    public Map<String, Shown> byEvent() {
      Map<String, Shown> out = new LinkedHashMap<>();
      cards.forEach(c -> out.put(c.eventId(), c));
      return out;
    }
  }

  /** One card on the page. */
  public record Shown(
      long seq,
      String eventId,
      int thumbnailWidth,
      String note,
      int pending,
      int dead,
      List<String> captions,
      List<Answer> answers,
      List<Moderation> moderation,
      List<Letter> deadLetters) {
    public Results results() {
      return new Results(captions, answers, moderation, deadLetters);
    }
  }

  public record Answer(String question, String answer) {}

  public record Moderation(boolean flagged, Map<String, Double> scores) {}

  public record Letter(String code, String message) {}

  /** What a card says about its results, comparable between the page and the topics. */
  public record Results(
      List<String> captions,
      List<Answer> answers,
      List<Moderation> moderation,
      List<Letter> deadLetters) {}

  /**
   * The cards the topics call for, by event id: results in task order, dead letters in the order
   * they came, texts clipped as the view clips them.
   */
  public static Map<String, Results> expected(List<ResultTail.Result> results) {
    Map<String, List<ResultTail.Result>> byEvent = new LinkedHashMap<>();
    results.forEach(r -> byEvent.computeIfAbsent(r.eventId(), k -> new ArrayList<>()).add(r));
    Map<String, Results> out = new LinkedHashMap<>();
    byEvent.forEach(
        (event, rs) -> {
          List<ResultTail.Result> tasks =
              rs.stream()
                  .filter(r -> !r.isDeadLetter())
                  .sorted(Comparator.comparing(ResultTail.Result::taskIndex))
                  .toList();
          out.put(
              Card.clip(event),
              new Results(
                  tasks.stream()
                      .filter(r -> r.kind().equals("caption"))
                      .map(r -> Card.clip(r.text()))
                      .toList(),
                  tasks.stream()
                      .filter(r -> r.kind().equals("answer"))
                      .map(
                          r ->
                              new Answer(
                                  Card.clip(((AnswerResult) r.record()).getQuestion()),
                                  Card.clip(r.text())))
                      .toList(),
                  tasks.stream()
                      .filter(r -> r.kind().equals("moderation"))
                      .map(r -> new Moderation(r.flagged(), Map.copyOf(r.scores())))
                      .toList(),
                  rs.stream()
                      .filter(ResultTail.Result::isDeadLetter)
                      .map(r -> new Letter(Card.clip(r.errorCode()), Card.clip(r.text())))
                      .toList()));
        });
    return out;
  }
}
