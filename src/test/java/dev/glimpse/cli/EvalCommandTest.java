package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.model.Fixture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval} scores shapes-world models only: any other checkpoint is refused, not scored 0.0.
 */
class EvalCommandTest {

  private static CommandRun eval(Path model, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of("eval", "--model", model.toString(), "--count", "4", "--seed", "7"));
    args.addAll(List.of(more));
    return CommandRun.of(args);
  }

  @Test
  void aCheckpointWithAnotherTokenizerIsRefusedWithOneCodedLine() {
    Path fixture = Fixture.llavaTinyA().dir();

    CommandRun r = eval(fixture);

    assertEquals(1, r.exitCode(), r.err());
    assertEquals(
        "glimpse: NOT_A_SHAPES_MODEL: "
            + fixture
            + " (--model) is not a shapes-world model: its tokenizer"
            + " is BPE, not the built-in WordLevel vocabulary; eval scores only models trained by glimpse train (leave"
            + " --model out for the built-in one, or train one with: glimpse train --out DIR)",
        r.err().strip());
    assertEquals("", r.out());
  }

  @Test
  void aWordLevelVocabularyWithOneWordChangedIsRefused(@TempDir Path dir) throws IOException {
    try (var files = Files.list(Fixture.llavaTinyA().dir())) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    String shapes;
    try (InputStream in =
        EvalCommandTest.class.getResourceAsStream("/dev/glimpse/train/shapes/tokenizer.json")) {
      shapes = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Files.writeString(dir.resolve("tokenizer.json"), shapes.replace("\"circle\"", "\"ellipse\""));

    CommandRun r = eval(dir);

    assertEquals(1, r.exitCode(), r.err());
    assertTrue(
        r.err()
            .strip()
            .startsWith(
                "glimpse: NOT_A_SHAPES_MODEL: "
                    + dir
                    + " (--model) is not a shapes-world"
                    + " model: its tokenizer gives 'ellipse' id "),
        r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void aBlindBaselineWithAnotherTokenizerIsRefusedToo(@TempDir Path dir) throws IOException {
    Path fixture = Fixture.llavaTinyA().dir();
    try (var files = Files.list(fixture)) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    try (InputStream in =
        EvalCommandTest.class.getResourceAsStream("/dev/glimpse/train/shapes/tokenizer.json")) {
      Files.copy(in, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
    }

    CommandRun r = eval(dir, "--blind", fixture.toString());

    assertEquals(1, r.exitCode(), r.err());
    assertTrue(
        r.err().strip().startsWith("glimpse: NOT_A_SHAPES_MODEL: " + fixture + " (--blind) is not"),
        r.err());
  }
}
