package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ingest}'s settings, checked before it connects to anything. */
class IngestCommandTest {
  @TempDir Path tmp;

  @Test
  void anImageFileRootThatIsNotThereStopsIngestWithOneCodedLine() {
    Path absent = tmp.resolve("not-mounted");
    StringWriter err = new StringWriter();

    // no broker listens there: the setting is refused before any connection is tried
    int code =
        Main.run(
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true),
            "ingest",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "-p",
            "glimpse.image.file.root=" + absent);

    assertEquals(1, code, err.toString());
    assertEquals(
        "glimpse: IMAGE_FILE_ROOT_UNUSABLE: glimpse.image.file.root="
            + absent
            + " cannot be opened"
            + " (NoSuchFileException): mount the shared volume there and make it readable by ingest, or leave the"
            + " setting out",
        err.toString().strip());
  }
}
