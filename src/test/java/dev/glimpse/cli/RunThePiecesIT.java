package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.train.shapes.SceneGenerator;
import dev.glimpse.train.shapes.ShapeRenderer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Run the pieces yourself", command for command, each its own process: broker,
 * ingest, worker (the built-in model, whose id is ingest's default), produce and tail. Only the
 * port, the folders and ingest's state directory (an environment variable, so that no other test's
 * state is found there) differ from what a user types.
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
      Files.write(
          images.resolve("scene-" + i + ".png"),
          new ShapeRenderer().renderPng(new SceneGenerator().generate(random)));
    }
    try (ChildProcess broker =
        ChildProcess.start(
            tmp,
            List.of("-Xmx512m"),
            "broker",
            "--port",
            port,
            "--data",
            tmp.resolve("glimpse-kafka").toString())) {
      broker.awaitLine("broker ready at " + servers, START);
      try (ChildProcess ingest =
          ChildProcess.start(
              tmp,
              List.of("-Xmx512m"),
              Map.of("GLIMPSE_INGEST_STATE_DIR", tmp.resolve("streams").toString()),
              "ingest",
              "--bootstrap-servers",
              servers)) {
        ingest.awaitLine("ingest running", START);
        String workerHttp = String.valueOf(freePort());
        try (ChildProcess worker =
            ChildProcess.start(
                tmp, "worker", "--bootstrap-servers", servers, "--http-port", workerHttp)) {
          worker.awaitLine("worker running", START);
          try (ChildProcess tail =
              ChildProcess.start(
                  tmp,
                  List.of("-Xmx256m"),
                  "tail",
                  "--bootstrap-servers",
                  servers,
                  "--from-beginning")) {
            ChildProcess produce =
                ChildProcess.start(
                    tmp,
                    List.of("-Xmx256m"),
                    "produce",
                    "--bootstrap-servers",
                    servers,
                    "--images",
                    images.toString(),
                    "--question",
                    "how many shapes are there",
                    "--moderate");
            assertEquals(0, produce.awaitExit(START), produce.output());
            assertTrue(
                produce.output().contains("published 2 events to glimpse.images"),
                produce.output());

            tail.awaitLine(" caption ", START);
            String caption =
                tail.output()
                    .lines()
                    .filter(l -> l.contains(" caption "))
                    .findFirst()
                    .orElseThrow();
            assertTrue(
                caption.matches("\\S+\\s+caption\\s+\\S.*"), "a caption with its text: " + caption);
            tail.awaitLine(" answer ", START);
            tail.awaitLine(" moderation ", START);
            assertTrue(!tail.output().contains("DEAD LETTER"), tail.output());

            // the worker's health and metrics at the port it was given
            assertEquals(200, get("http://127.0.0.1:" + workerHttp + "/health/ready").statusCode());
            // the results counter appears once the worker has counted its first commit, which the
            // tail (another consumer) can print before
            String metrics =
                awaitBody(
                    "http://127.0.0.1:" + workerHttp + "/metrics",
                    body -> body.contains("glimpse_results_total"));
            assertTrue(metrics.contains("glimpse_results_total"), metrics);
            // and the live view of the same stream, as the README types it
            String viewHttp = String.valueOf(freePort());
            try (ChildProcess view =
                ChildProcess.start(
                    tmp,
                    List.of("-Xmx256m"),
                    "view",
                    "--bootstrap-servers",
                    servers,
                    "--from-beginning",
                    "--http-port",
                    viewHttp)) {
              view.awaitLine("live view at http://127.0.0.1:" + viewHttp + "/", START);
              assertEquals(200, get("http://127.0.0.1:" + viewHttp + "/").statusCode());
              // the two images may arrive in different fetches (other partitions): wait for both
              String cards =
                  awaitBody(
                      "http://127.0.0.1:" + viewHttp + "/cards.json",
                      body -> body.contains("scene-0.png") && body.contains("scene-1.png"));
              assertTrue(cards.contains("scene-0.png") && cards.contains("scene-1.png"), cards);
              assertEquals(0, view.terminate(STOP), view.output());
            }
          } // tail runs until killed, as a user's does until Ctrl-C
          assertEquals(0, worker.terminate(STOP), worker.output());
        }
        assertEquals(0, ingest.terminate(STOP), ingest.output());
      }
      assertEquals(0, broker.terminate(STOP), broker.output());
    }
  }

  /** The body at {@code url} once it satisfies {@code shows}, or the last one seen by START. */
  private static String awaitBody(String url, Predicate<String> shows)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START.toNanos();
    String body = get(url).body();
    while (!shows.test(body) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      body = get(url).body();
    }
    return body;
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
