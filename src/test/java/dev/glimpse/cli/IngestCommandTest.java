package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ingest}'s settings, checked before it connects to anything. */
class IngestCommandTest {
  @TempDir Path tmp;

  @Test
  void anImageFileRootThatIsNotThereStopsIngestWithOneCodedLine() {
    Path absent = tmp.resolve("not-mounted");

    // no broker listens there: the setting is refused before any connection is tried
    CommandRun r =
        CommandRun.of(
            "ingest",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "-p",
            "glimpse.image.file.root=" + absent);

    assertEquals(1, r.exitCode(), r.err());
    assertEquals(
        "glimpse: IMAGE_FILE_ROOT_UNUSABLE: glimpse.image.file.root="
            + absent
            + " cannot be opened"
            + " (NoSuchFileException): mount the shared volume there and make it readable by ingest, or leave the"
            + " setting out",
        r.err().strip());
  }
}
