package dev.glimpse.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/**
 * {@code glimpse args...} run to its end in this JVM, through {@link Main#run}: its exit code and
 * everything it printed. A test that needs a real process (signals, shutdown hooks) uses {@link
 * ChildProcess}.
 */
record CommandRun(int exitCode, String out, String err) {

  static CommandRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new CommandRun(code, out.toString(), err.toString());
  }

  static CommandRun of(List<String> args) {
    return of(args.toArray(String[]::new));
  }

  /** Stdout's lines, without the blank ones it may start or end with. */
  List<String> outLines() {
    return out.strip().lines().toList();
  }

  /** Stderr's lines, likewise. */
  List<String> errLines() {
    return err.strip().lines().toList();
  }
}
