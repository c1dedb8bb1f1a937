package dev.glimpse.ops.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BoardTest {
  private static final List<Card.Task> ASKED =
      List.of(Card.Task.pending(0, "caption", ""), Card.Task.pending(1, "answer", "how many?"));

  @Test
  void onlyTheNewestCardsAndTheirThumbnailsStayAndListenersHearTheDrop() {
    Board board = new Board(new ViewSettings(2, 64, 1000));
    List<Board.Change> heard = new ArrayList<>();
    board.subscribe(heard::add);
    for (int i = 0; i < 3; i++) {
      board.event("e" + i, "", 1, new byte[] {(byte) i}, "", ASKED);
    }
    assertEquals(List.of("e1", "e2"), board.cards().stream().map(Card::eventId).toList());
    assertTrue(board.thumbnail(1).isEmpty(), "the dropped card's thumbnail is freed");
    assertEquals(2, board.thumbnail(3).orElseThrow()[0]);
    assertTrue(heard.contains(new Board.Dropped(1)), heard.toString());
    assertEquals(3, board.stats().events(), "the counts include dropped cards");
  }

  @Test
  void aResultBeforeItsEventIsKeptAndGetsTheQuestionWhenTheEventComes() {
    Board board = new Board(ViewSettings.defaults());
    board.result(
        "e", new Card.Task(1, "answer", "", Card.Task.DONE, "two", Map.of(), false, false, 5));
    board.event("e", "cam", 1, null, "image by URI", ASKED);
    Card card = board.cards().get(0);
    assertEquals(
        List.of(Card.Task.PENDING, Card.Task.DONE),
        card.tasks().stream().map(Card.Task::status).toList());
    assertEquals("how many?", card.tasks().get(1).question());
    assertEquals("two", card.tasks().get(1).text());
  }

  @Test
  void aDeadLetterForTheEventMeansItsWaitingTasksGetNoResult() {
    Board board = new Board(ViewSettings.defaults());
    board.deadLetter("e", new Card.DeadLetter(null, "NOT_AN_IMAGE", "send an image"));
    board.event("e", "", 1, null, "no preview", ASKED);
    board.result(
        "f", new Card.Task(0, "caption", "", Card.Task.DONE, "a cat", Map.of(), false, false, 5));
    board.event("f", "", 1, null, "", ASKED);
    board.deadLetter("f", new Card.DeadLetter(1, "MODEL_ERROR", "retry later"));
    assertEquals(
        List.of(Card.Task.DEAD, Card.Task.DEAD),
        board.cards().get(0).tasks().stream().map(Card.Task::status).toList());
    assertEquals(
        List.of(Card.Task.DONE, Card.Task.DEAD),
        board.cards().get(1).tasks().stream().map(Card.Task::status).toList());
  }

  @Test
  void longTextsFromTheStreamAreClipped() {
    Board board = new Board(ViewSettings.defaults());
    board.event("x".repeat(5000), "", 1, null, "", List.of());
    assertEquals(Card.MAX_TEXT + 1, board.cards().get(0).eventId().length());
  }

  @Test
  void aSettingThatIsNotANumberSaysWhichAndWhatToGive() {
    ViewException e =
        assertThrows(
            ViewException.class, () -> ViewSettings.from(Map.of(ViewSettings.MAX_CARDS, "many")));
    assertEquals(
        "BAD_VIEW_SETTING: glimpse.view.max.cards is 'many'; give a whole number (default 100)",
        e.getMessage());
  }
}
