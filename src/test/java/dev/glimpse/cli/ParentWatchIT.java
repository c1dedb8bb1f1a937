package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker started for another process (as bench-pipeline starts its broker and ingest) stops by
 * itself when that process is killed with SIGKILL, which leaves it no chance to stop its children.
 */
class ParentWatchIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration STOP = Duration.ofSeconds(30);

  @TempDir Path tmp;

  @Test
  void aBrokerWhoseParentIsKilledStopsCleanlyByItself() throws Exception {
    Process parent = new ProcessBuilder("sleep", "600").start();
    try (ChildProcess broker =
        ChildProcess.start(
            tmp,
            List.of("-Xmx512m", "-D" + ParentWatch.PROPERTY + "=" + parent.pid()),
            "broker",
            "--port",
            "0")) {
      broker.awaitLine("broker ready at", START);

      parent.destroyForcibly().waitFor();

      assertEquals(0, broker.awaitExit(STOP), broker.output());
      assertTrue(
          broker.output().contains("glimpse: PARENT_GONE: process " + parent.pid()),
          broker.output());
      assertTrue(broker.output().contains("glimpse: broker stopped cleanly"), broker.output());
    } finally {
      parent.destroyForcibly();
    }
  }

  @Test
  void aParentPidThatIsNotANumberIsRefusedWithItsCode() throws Exception {
    try (ChildProcess child =
        ChildProcess.start(tmp, List.of("-D" + ParentWatch.PROPERTY + "=not-a-pid"), "--version")) {
      assertEquals(2, child.awaitExit(STOP), child.output());
      assertTrue(
          child.output().startsWith("glimpse: BAD_PARENT_PID: " + ParentWatch.PROPERTY),
          child.output());
    }
  }
}
