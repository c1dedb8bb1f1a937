package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.kafka.ClientThreads;
import dev.glimpse.model.Fixture;
import dev.glimpse.stream.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo --images DIR}: files too large are dead letters like any bad input, and the folder
 * goes on.
 */
class DemoCommandIT {
  @TempDir Path tmp;

  /** demo runs in this JVM: once it returned, none of its Kafka clients may still be running. */
  @AfterEach
  void noClientOfTheDemoOutlivesIt() {
    assertEquals(
        "none", ClientThreads.describe("glimpse-ingest-"), "ingest's threads alive after demo");
    assertEquals(
        "none",
        ClientThreads.describe("| glimpse-worker"),
        "the worker's consumer alive after demo");
    assertEquals(
        "none",
        ClientThreads.describe("producer-glimpse-worker-"),
        "the worker's producer alive after demo");
  }

  @Test
  void filesOverTheImageAndTheRecordLimitAreImageTooLargeDeadLettersAndTheRestIsAnswered()
      throws Exception {
    Path images = Files.createDirectory(tmp.resolve("images"));
    Files.write(images.resolve("a-scene.png"), TestImages.png(1));
    // over ingest's 10 MiB image limit, under the 12 MiB record limit: ingest refuses it
    Files.write(images.resolve("b-over-image-limit.png"), new byte[(11 << 20) + 512 * 1024]);
    // over the record limit: the broker would refuse it, the publisher dead-letters it
    Files.write(images.resolve("c-over-record-limit.png"), new byte[13 << 20]);

    CommandRun demo = demoAnsweringEveryEventOf(images);

    JsonNode summary = summaryOf(demo);
    assertEquals(3, summary.get("events").asInt(), summary.toString());
    assertEquals(2, summary.get("dead_letters").asInt(), summary.toString());
    assertTrue(summary.get("complete").asBoolean(), summary.toString());
    assertPrintedALineFor(
        demo, "b-over-image-limit.png", "DEAD LETTER IMAGE_TOO_LARGE", "12058624 bytes");
    assertPrintedALineFor(
        demo, "c-over-record-limit.png", "DEAD LETTER IMAGE_TOO_LARGE", "13631488 bytes");
    assertPrintedALineFor(demo, "a-scene.png", "caption");
  }

  @Test
  void jsonPrintsEveryResultAsOneObjectWithTheContractFieldsAndTheSummaryLast() throws Exception {
    Path images = Files.createDirectory(tmp.resolve("json-images"));
    Path fixture = Fixture.llavaTinyA().dir();
    Files.copy(fixture.resolve("shapes.png"), images.resolve("shapes.png"));
    Files.copy(fixture.resolve("photo.jpg"), images.resolve("photo.jpg"));
    Files.writeString(images.resolve("notes.txt"), "not an image");

    CommandRun demo =
        demoAnsweringEveryEventOf(
            images,
            "--model",
            fixture.toString(),
            "--question",
            "what is it",
            "--moderate",
            "--max-new-tokens",
            "4",
            "--json");

    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : demo.outLines()) {
      lines.add(json.readTree(line)); // every line is JSON
    }
    JsonNode summary = lines.remove(lines.size() - 1);
    assertEquals(
        9, summary.get("tasks").asInt(), "three tasks asked of each of three files: " + summary);
    List<JsonNode> results = lines.stream().filter(l -> l.has("task")).toList();
    List<JsonNode> letters = lines.stream().filter(l -> l.has("code")).toList();
    assertEquals(6, results.size(), demo.out());
    assertEquals(1, letters.size(), demo.out());
    assertEquals(List.of("code", "file", "message"), fieldNames(letters.get(0)));
    assertEquals("notes.txt", letters.get(0).get("file").asText());
    for (JsonNode r : results) {
      String task = r.get("task").asText();
      List<String> expected =
          task.equals("moderation")
              ? List.of("event_id", "file", "flagged", "from_cache", "model_id", "scores", "task")
              : List.of("event_id", "file", "from_cache", "model_id", "task", "text");
      assertEquals(expected, fieldNames(r), r.toString());
      assertTrue(List.of("caption", "question", "moderation").contains(task), task);
      assertTrue(r.get("model_id").asText().startsWith("llava-"), r.toString());
    }
    assertEquals(
        2, results.stream().filter(r -> r.get("task").asText().equals("question")).count());
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names.stream().sorted().toList();
  }

  @Test
  void aSubfolderOfImagesIsNamedOnStderrAndTheFileBesideItIsStillAnEvent() throws Exception {
    Path images = Files.createDirectory(tmp.resolve("images"));
    Files.writeString(images.resolve("a-notes.txt"), "not an image");
    Path nested = Files.createDirectory(images.resolve("b-nested"));
    Files.write(nested.resolve("inside.png"), TestImages.png(1));

    CommandRun demo = demoAnsweringEveryEventOf(images);

    List<String> skipped =
        demo.err().lines().filter(l -> l.startsWith("glimpse: SKIPPED_FOLDER: ")).toList();
    assertEquals(
        List.of(
            "glimpse: SKIPPED_FOLDER: "
                + nested
                + " is a subfolder and is not published (--images"
                + " takes the files directly in "
                + images
                + "; publish it with its own --images "
                + nested
                + ")"),
        skipped);
    JsonNode summary = summaryOf(demo);
    assertEquals(1, summary.get("events").asInt(), summary.toString());
    assertTrue(summary.get("complete").asBoolean(), summary.toString());
  }

  /**
   * {@code demo --images DIR more... --exit}: it publishes the folder and returns once every event
   * is answered; it exited 0.
   */
  private static CommandRun demoAnsweringEveryEventOf(Path images, String... more) {
    List<String> args = new ArrayList<>(List.of("demo", "--images", images.toString()));
    args.addAll(List.of(more));
    args.addAll(List.of("--exit", "--timeout", "120"));
    CommandRun demo = CommandRun.of(args);
    assertEquals(0, demo.exitCode(), demo.out() + "\n" + demo.err());
    return demo;
  }

  /** The JSON summary demo prints as its last line. */
  private static JsonNode summaryOf(CommandRun demo) throws IOException {
    List<String> lines = demo.outLines();
    return new ObjectMapper().readTree(lines.get(lines.size() - 1));
  }

  /** Some line of stdout starts with the file's name and holds every one of these. */
  private static void assertPrintedALineFor(CommandRun demo, String file, String... holds) {
    assertTrue(
        demo.outLines().stream()
            .anyMatch(l -> l.startsWith(file) && Arrays.stream(holds).allMatch(l::contains)),
        demo.out());
  }
}
