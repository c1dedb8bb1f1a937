package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every command that takes {@code --question} refuses a blank one the same way: one coded line and
 * the usage exit code, before a model loads or a broker is asked for.
 */
class EmptyQuestionTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "{0} --question ''{1}''")
  @CsvSource(
      delimiter = '|',
      value = {
        "generate|''",
        "generate|'   '",
        "demo|''",
        "demo|' '",
        "produce|''",
        "produce|'\t'"
      })
  void aBlankQuestionIsRefusedWithOneCodedLine(String command, String question) {
    List<String> args =
        switch (command) {
          case "generate" ->
              List.of(
                  "generate", "--image", tmp.resolve("a.png").toString(), "--question", question);
          case "demo" ->
              List.of("demo", "--images", tmp.toString(), "--question", question, "--exit");
          default ->
              List.of(
                  "produce",
                  "--bootstrap-servers",
                  "127.0.0.1:1",
                  "--images",
                  tmp.toString(),
                  "--question",
                  question);
        };
    CommandRun run = CommandRun.of(args);

    assertEquals(2, run.exitCode(), run.err());
    assertEquals(
        "glimpse: EMPTY_QUESTION: --question is empty; ask something, e.g. --question \"how many shapes"
            + " are there\", or leave --question out",
        run.err().strip());
    assertEquals("", run.out());
  }
}
