package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PipelineBenchCommandTest {

  @Test
  void fewerThanOneRoundIsRefusedWithItsCodeBeforeAnyModelLoads() {
    CommandRun run = CommandRun.of("bench-pipeline", "--model", "no-such-dir", "--rounds", "0");

    assertEquals(1, run.exitCode(), run.err());
    assertEquals(
        "glimpse: BAD_ROUNDS: --rounds must be at least 1 (Kafka runs measured), got 0",
        run.err().strip());
  }

  @Test
  void anUnknownWorkloadIsRefusedWithItsCode() {
    CommandRun run =
        CommandRun.of("bench-pipeline", "--model", "no-such-dir", "--workload", "everything");

    assertEquals(1, run.exitCode(), run.err());
    assertEquals(
        "glimpse: BAD_WORKLOAD: --workload must be caption or mixed, got everything",
        run.err().strip());
  }
}
