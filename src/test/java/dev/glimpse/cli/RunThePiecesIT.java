package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.train.shapes.SceneGenerator;
import dev.glimpse.train.shapes.ShapeRenderer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Run the pieces yourself", command for command, each its own process: broker,
 * ingest, worker (the built-in model, whose id is ingest's default), produce and tail. Only the
 * port, the folders and ingest's state directory (an environment variable, so that no other
 * test's state is found there) differ from what a user types.
 */
class RunThePiecesIT {
  private static final Duration START = Duration.ofSeconds(120);
  private static final Duration STOP = Duration.ofSeconds(30);

  @TempDir Path tmp;

  @Test
  void theReadmeCommandsRunAsSeparateProcessesCaptionAnImage() throws Exception {
    String port = String.valueOf(freePort());
    String servers = "127.0.0.1:" + port;
    Path images = Files.createDirectories(tmp.resolve("images"));
    SplittableRandom random = new SplittableRandom(20261201);
    for (int i = 0; i < 2; i++) {
      Files.write(images.resolve("scene-" + i + ".png"), new ShapeRenderer().renderPng(new SceneGenerator().generate(random)));
    }
    try (ChildProcess broker = ChildProcess.start(tmp, List.of("-Xmx512m"),
            "broker", "--port", port, "--data", tmp.resolve("glimpse-kafka").toString())) {
      broker.awaitLine("broker ready at " + servers, START);
      try (ChildProcess ingest = ChildProcess.start(tmp, List.of("-Xmx512m"),
              Map.of("GLIMPSE_INGEST_STATE_DIR", tmp.resolve("streams").toString()),
              "ingest", "--bootstrap-servers", servers)) {
        ingest.awaitLine("ingest running", START);
        try (ChildProcess worker = ChildProcess.start(tmp, "worker", "--bootstrap-servers", servers)) {
          worker.awaitLine("worker running", START);
          try (ChildProcess tail = ChildProcess.start(tmp, List.of("-Xmx256m"),
              "tail", "--bootstrap-servers", servers, "--from-beginning")) {
            ChildProcess produce = ChildProcess.start(tmp, List.of("-Xmx256m"), "produce", "--bootstrap-servers", servers,
                "--images", images.toString(), "--question", "how many shapes are there", "--moderate");
            assertEquals(0, produce.awaitExit(START), produce.output());
            assertTrue(produce.output().contains("published 2 events to glimpse.images"), produce.output());

            tail.awaitLine(" caption ", START);
            String caption = tail.output().lines().filter(l -> l.contains(" caption ")).findFirst().orElseThrow();
            assertTrue(caption.matches("\\S+\\s+caption\\s+\\S.*"), "a caption with its text: " + caption);
            tail.awaitLine(" answer ", START);
            tail.awaitLine(" moderation ", START);
            assertTrue(!tail.output().contains("DEAD LETTER"), tail.output());
          } // tail runs until killed, as a user's does until Ctrl-C
          assertEquals(0, worker.terminate(STOP), worker.output());
        }
        assertEquals(0, ingest.terminate(STOP), ingest.output());
      }
      assertEquals(0, broker.terminate(STOP), broker.output());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
