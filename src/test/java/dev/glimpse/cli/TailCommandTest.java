package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code tail}'s command line, checked before it connects to anything. */
class TailCommandTest {

  @Test
  void anUnknownTopicIsOneCodedLineWithoutAStackTrace() {
    // no broker listens there: the kind is refused before any connection is tried
    CommandRun r =
        CommandRun.of("tail", "--bootstrap-servers", "127.0.0.1:1", "--topic", "caption,bogus");

    assertEquals(1, r.exitCode(), r.err());
    assertEquals(
        "glimpse: UNKNOWN_RESULT_KIND: --topic bogus is not a result kind; use caption, answer,"
            + " moderation, dead_letter (comma-separated, default: all)",
        r.err().strip());
    assertEquals("", r.out());
  }
}
