package dev.glimpse.train.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "What the built-in model understands" tells the truth: its example questions are
 * ones the shapes world's question forms produce, its vocabulary is the model's, token for token,
 * and its moderation categories are the policy's.
 */
class ReadmeShapesSectionTest {

  private static final String SECTION = "### What the built-in model understands";

  /** The README text from the section's heading up to the next heading of its level or above. */
  private static String section() throws IOException {
    String readme =
        Files.readString(Path.of(System.getProperty("glimpse.basedir", "."), "README.md"));
    int start = readme.indexOf(SECTION);
    assertTrue(start >= 0, "README.md has no section '" + SECTION + "'");
    Matcher next = Pattern.compile("(?m)^#{1,3} ").matcher(readme);
    int end = next.find(start + SECTION.length()) ? next.start() : readme.length();
    return readme.substring(start, end);
  }

  private static String subsection(String section, String title) {
    int start = section.indexOf("#### " + title);
    assertTrue(start >= 0, "no subsection '" + title + "'");
    int end = section.indexOf("\n#### ", start + 1);
    return section.substring(start, end < 0 ? section.length() : end);
  }

  /**
   * Every question the question forms ask about many scenes, and the caption and moderation
   * prompts.
   */
  private static Set<String> producedQuestions() {
    Set<String> questions = new LinkedHashSet<>();
    questions.add(ShapesLanguage.CAPTION_QUESTION);
    for (ModerationCategory c : ModerationCategory.values()) {
      questions.add(c.question());
    }
    SceneGenerator generator = new SceneGenerator();
    SplittableRandom random = new SplittableRandom(12);
    for (int i = 0; i < 20_000; i++) {
      Scene scene = generator.generate(random);
      for (QuestionType type : QuestionType.values()) {
        ShapesLanguage.ask(scene, type, random).ifPresent(q -> questions.add(q.text()));
      }
    }
    return questions;
  }

  /** The questions of --question "..." and of every quoted string in backticks. */
  private static List<String> exampleQuestions(String section) {
    List<String> found = new ArrayList<>();
    Matcher m = Pattern.compile("--question \"([^\"]*)\"|`\"([^\"`]*)\"`").matcher(section);
    while (m.find()) {
      found.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return found;
  }

  @Test
  void everyExampleQuestionIsOneTheBuiltinModelsQuestionFormsProduce() throws IOException {
    List<String> examples = exampleQuestions(section());
    Set<String> produced = producedQuestions();

    assertTrue(examples.size() >= 15, "too few example questions found: " + examples);
    for (String question : examples) {
      assertTrue(
          produced.contains(question),
          "'" + question + "' is not a question the shapes world asks");
    }
    // and each form of the table has its example
    for (QuestionType type : QuestionType.values()) {
      assertTrue(
          examples.stream().anyMatch(q -> typeOf(q) == type),
          type + " has no example in " + examples);
    }
  }

  @Test
  void theVocabularyTableListsTheModelsTokensInIdOrder() throws IOException {
    String table = subsection(section(), "Vocabulary");
    List<String> listed = new ArrayList<>();
    Matcher m = Pattern.compile("`([^`]+)`").matcher(table);
    while (m.find()) {
      listed.add(m.group(1));
    }

    assertEquals(ShapesVocabulary.SHAPES.tokens(), listed);
    assertTrue(
        section().contains("knows " + ShapesVocabulary.SHAPES.size() + " tokens"),
        "the count in the text");
  }

  @Test
  void theModerationTableNamesEveryCategoryWithItsQuestionAndShape() throws IOException {
    String table = subsection(section(), "Moderation categories");
    for (ModerationCategory c : ModerationCategory.values()) {
      String row =
          table
              .lines()
              .filter(l -> l.startsWith("| `" + c.id() + "` |"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no row for " + c.id() + " in\n" + table));
      assertTrue(row.contains("| " + c.question() + " |"), row);
      assertTrue(row.contains(" " + c.color().word() + " " + c.kind().word()), row);
    }
    assertEquals(
        ModerationCategory.values().length,
        table.lines().filter(l -> l.startsWith("| `")).count(),
        table);
  }

  /** The type a question of the shapes world has, by its form; null for caption and moderation. */
  private static QuestionType typeOf(String question) {
    if (question.startsWith("what color")) {
      return QuestionType.COLOR;
    }
    if (question.equals(ShapesLanguage.COUNT_QUESTION)) {
      return QuestionType.COUNT;
    }
    if (question.startsWith("where is")) {
      return QuestionType.POSITION;
    }
    if (question.startsWith("which shape")) {
      return QuestionType.WHICH_SHAPE;
    }
    boolean moderation =
        List.of(ModerationCategory.values()).stream().anyMatch(c -> c.question().equals(question));
    return question.startsWith("is there") && !moderation ? QuestionType.EXISTS : null;
  }
}
