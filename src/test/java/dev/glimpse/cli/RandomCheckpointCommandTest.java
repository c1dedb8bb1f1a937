package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomCheckpointCommandTest {
  @Test
  void aShapeNoLlavaCanHaveIsOneCodedLineWithoutAStackTrace(@TempDir Path tmp) {
    CommandRun run =
        CommandRun.of(
            "random-checkpoint",
            "--out",
            tmp.resolve("m").toString(),
            "--text-heads",
            "4",
            "--kv-heads",
            "8");

    assertTrue(run.exitCode() != 0, "exit code");
    String said = run.err().strip();
    assertEquals(1, said.lines().count(), said);
    assertTrue(said.startsWith("glimpse: BAD_SHAPE: ") && said.contains("kv heads 8"), said);
  }
}
