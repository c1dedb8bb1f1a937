package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.ExpectedLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command that needs Kafka says in one coded line that none answered, and exits 1. */
@ExpectedLog("clientId=glimpse-broker-probe] Connection to node")
class NoBrokerTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"produce", "ingest", "worker", "tail"})
  void aCommandWithNoBrokerFailsWithOneBrokerUnreachableLine(String command) {
    List<String> args =
        new ArrayList<>(
            List.of(
                command,
                "--bootstrap-servers",
                "127.0.0.1:1",
                "-p",
                BrokerProbe.WAIT_SETTING + "=1000",
                "-p",
                "glimpse.ingest.state.dir=" + tmp.resolve("state")));
    if (command.equals("produce")) {
      args.addAll(List.of("--images", tmp.toString()));
    }
    CommandRun run = CommandRun.of(args);

    assertEquals(1, run.exitCode(), run.err());
    assertEquals(
        "glimpse: BROKER_UNREACHABLE: no Kafka broker answered at 127.0.0.1:1 within 1 s;"
            + " check --bootstrap-servers and that Kafka is up",
        run.err().strip());
    assertEquals("", run.out());
  }
}
