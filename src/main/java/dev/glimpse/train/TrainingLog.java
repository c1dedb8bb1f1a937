package dev.glimpse.train;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * Where {@code train} says what it does, with a clock of the last line: a stage's progress and the
 * probes also speak when the log has been silent too long, whatever their own cadence.
 */
final class TrainingLog {
  private final PrintWriter out;

  /** The longest the log stays silent: a line at least this often. */
  private final long silenceNanos;

  private long lastLine = System.nanoTime();

  TrainingLog(PrintWriter out, Duration silence) {
    this.out = out;
    this.silenceNanos = silence.toNanos();
  }

  /** Whether the log has been silent for too long. */
  boolean silentTooLong() {
    return System.nanoTime() - lastLine >= silenceNanos;
  }

  /** Prints a line (a format, as {@link PrintWriter#printf}) and flushes it. */
  void line(String format, Object... args) {
    out.printf(format + "%n", args);
    out.flush();
    lastLine = System.nanoTime();
  }
}
