package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.stream.TestImages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo --images DIR}: files too large are dead letters like any bad input, and the folder goes on. */
class DemoCommandIT {
  @TempDir Path tmp;

  @Test
  void filesOverTheImageAndTheRecordLimitAreImageTooLargeDeadLettersAndTheRestIsAnswered() throws Exception {
    Path images = Files.createDirectory(tmp.resolve("images"));
    Files.write(images.resolve("a-scene.png"), TestImages.png(1));
    // over ingest's 10 MiB image limit, under the 12 MiB record limit: ingest refuses it
    Files.write(images.resolve("b-over-image-limit.png"), new byte[(11 << 20) + 512 * 1024]);
    // over the record limit: the broker would refuse it, the publisher dead-letters it
    Files.write(images.resolve("c-over-record-limit.png"), new byte[13 << 20]);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "demo", "--images",
        images.toString(), "--exit", "--timeout", "120");

    assertEquals(0, code, out + "\n" + err);
    List<String> lines = out.toString().strip().lines().toList();
    JsonNode summary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    assertEquals(3, summary.get("events").asInt(), summary.toString());
    assertEquals(2, summary.get("dead_letters").asInt(), summary.toString());
    assertTrue(summary.get("complete").asBoolean(), summary.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("b-over-image-limit.png")
        && l.contains("DEAD LETTER IMAGE_TOO_LARGE") && l.contains("12058624 bytes")), out.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("c-over-record-limit.png")
        && l.contains("DEAD LETTER IMAGE_TOO_LARGE") && l.contains("13631488 bytes")), out.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("a-scene.png") && l.contains("caption")), out.toString());
  }

  @Test
  void aSubfolderOfImagesIsNamedOnStderrAndTheFileBesideItIsStillAnEvent() throws Exception {
    Path images = Files.createDirectory(tmp.resolve("images"));
    Files.writeString(images.resolve("a-notes.txt"), "not an image");
    Path nested = Files.createDirectory(images.resolve("b-nested"));
    Files.write(nested.resolve("inside.png"), TestImages.png(1));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "demo", "--images",
        images.toString(), "--exit", "--timeout", "120");

    assertEquals(0, code, out + "\n" + err);
    List<String> skipped = err.toString().lines().filter(l -> l.startsWith("glimpse: SKIPPED_FOLDER: ")).toList();
    assertEquals(List.of("glimpse: SKIPPED_FOLDER: " + nested + " is a subfolder and is not published (--images"
        + " takes the files directly in " + images + "; publish it with its own --images " + nested + ")"), skipped);
    List<String> lines = out.toString().strip().lines().toList();
    JsonNode summary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    assertEquals(1, summary.get("events").asInt(), summary.toString());
    assertTrue(summary.get("complete").asBoolean(), summary.toString());
  }
}
