package dev.glimpse.cli;

import dev.glimpse.pipeline.EventPublisher;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * The files of an {@code --images DIR} that produce and demo publish, naming each subfolder they
 * skip.
 */
final class ImageFolder {
  private ImageFolder() {}

  /** Every file directly in {@code dir}, sorted; one stderr line for each subfolder left out. */
  static List<Path> files(Path dir, PrintWriter err) {
    List<Path> files =
        EventPublisher.files(
            dir,
            sub ->
                err.println(
                    "glimpse: SKIPPED_FOLDER: "
                        + sub
                        + " is a subfolder and is not published (--images takes the files directly in "
                        + dir
                        + "; publish it with its own --images "
                        + sub
                        + ")"));
    err.flush();
    return files;
  }
}
