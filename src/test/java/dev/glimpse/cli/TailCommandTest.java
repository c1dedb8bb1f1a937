package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code tail}'s command line, checked before it connects to anything. */
class TailCommandTest {

  @Test
  void anUnknownTopicIsOneCodedLineWithoutAStackTrace() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    // no broker listens there: the kind is refused before any connection is tried
    int code =
        Main.run(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "tail",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--topic",
            "caption,bogus");

    assertEquals(1, code, err.toString());
    assertEquals(
        "glimpse: UNKNOWN_RESULT_KIND: --topic bogus is not a result kind; use caption, answer,"
            + " moderation, dead_letter (comma-separated, default: all)",
        err.toString().strip());
    assertEquals("", out.toString());
  }
}
