package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.contract.Timings;
import dev.glimpse.kafka.BrokerWithTopics;
import dev.glimpse.kafka.TopicBytes;
import dev.glimpse.stream.TestImages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code view} against a cluster: its own process, a real broker. (The page in a browser:
 * DemoViewIT.)
 */
class ViewCommandIT {
  @RegisterExtension static final BrokerWithTopics kafka = new BrokerWithTopics();

  @TempDir Path tmp;

  @Test
  void printsItsAddressShowsWhatArrivesAndStopsCleanlyOnSigterm() throws Exception {
    try (ChildProcess view =
        ChildProcess.start(
            tmp,
            List.of("-Xmx256m"),
            "view",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--http-port",
            "0")) {
      view.awaitLine("live view at http://127.0.0.1:", Duration.ofSeconds(60));
      Matcher url =
          Pattern.compile("live view at (http://\\S+) \\(Ctrl-C stops it\\)")
              .matcher(view.output());
      assertTrue(url.find(), view.output());
      // it reads from the end by default: what was there before it started is not shown, what comes
      // after is
      HttpClient http = HttpClient.newHttpClient();
      JsonNode cards = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(
              Map.of("bootstrap.servers", kafka.bootstrapServers()),
              new StringSerializer(),
              new ByteArraySerializer())) {
        while (System.nanoTime() < deadline) {
          // sent again until it shows: the view's consumers start at the end once they have their
          // partitions
          TopicBytes.send(
              producer,
              kafka.topics().images(),
              "cam-1",
              ImageEvent.newBuilder()
                  .setEventId("cam-1")
                  .setClientId("t")
                  .setTimestamp(Instant.now())
                  .setImage(new InlineImage(ByteBuffer.wrap(TestImages.png(3)), null))
                  .setTasks(List.of(new CaptionTask()))
                  .build());
          TopicBytes.send(
              producer,
              kafka.topics().captions(),
              "cam-1",
              new CaptionResult(
                  "cam-1", 0, "m", "sha", "a red square", new Timings(0L, 0L, 0L, 4L), false));
          cards =
              new ObjectMapper()
                  .readTree(
                      http.send(
                              HttpRequest.newBuilder(URI.create(url.group(1) + "cards.json"))
                                  .build(),
                              HttpResponse.BodyHandlers.ofString())
                          .body())
                  .get("cards");
          // the event and its result come through separate consumers: either can be seen first
          if (cards.size() > 0
              && cards.get(0).at("/tasks/0/status").asText().equals("done")
              && cards.get(0).get("thumbnail").asBoolean()) {
            break;
          }
          Thread.sleep(500);
        }
      }
      assertEquals("cam-1", cards.get(0).get("eventId").asText(), cards.toString());
      assertEquals("a red square", cards.get(0).at("/tasks/0/text").asText(), cards.toString());
      assertTrue(cards.get(0).get("thumbnail").asBoolean(), cards.toString());

      assertEquals(0, view.terminate(Duration.ofSeconds(20)), view.output());
      assertTrue(view.output().contains("glimpse: view stopped cleanly"), view.output());
    }
  }

  @Test
  void aTakenPortIsViewPortInUseAndSaysHowToChooseAnother() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      StringWriter err = new StringWriter();
      int code =
          Main.run(
              new PrintWriter(new StringWriter(), true),
              new PrintWriter(err, true),
              "view",
              "--bootstrap-servers",
              kafka.bootstrapServers(),
              "--http-port",
              String.valueOf(taken.getLocalPort()));
      assertEquals(1, code, err.toString());
      assertTrue(
          err.toString()
              .startsWith(
                  "glimpse: VIEW_PORT_IN_USE: cannot listen on 127.0.0.1:" + taken.getLocalPort()),
          err.toString());
      assertTrue(
          err.toString().contains("choose another port with --http-port (0 takes any free one)"),
          err.toString());
    }
  }
}
