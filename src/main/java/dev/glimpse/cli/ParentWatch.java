package dev.glimpse.cli;

import java.io.PrintWriter;
import java.util.Optional;

/**
 * A command another glimpse process started for itself (the benchmark's broker and ingest, see
 * {@link ChildJvm}) stops when that process ends, however it ends: a parent killed with SIGKILL
 * runs no code that could stop its children, and a broker left behind holds its port and memory
 * until someone finds it. The parent names itself in the system property {@value #PROPERTY}; when
 * it is gone, the child says so in one line and exits as on a stop signal (its {@link StopSignal}
 * hook closes it cleanly).
 */
final class ParentWatch {
  /** The pid of the process whose end stops this one. */
  static final String PROPERTY = "glimpse.parent.pid";

  private ParentWatch() {}

  /** The JVM option that makes a child of this process stop when this process ends. */
  static String optionForChildren() {
    return "-D" + PROPERTY + "=" + ProcessHandle.current().pid();
  }

  /**
   * Watches the process {@value #PROPERTY} names, if it names one; false (with a coded line on
   * {@code err}) when the property is not a process id.
   */
  static boolean install(PrintWriter err) {
    String value = System.getProperty(PROPERTY);
    if (value == null) {
      return true;
    }
    long pid;
    try {
      pid = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      err.println(
          "glimpse: BAD_PARENT_PID: "
              + PROPERTY
              + " must be the process id of the process this one stops with, got '"
              + value
              + "'; leave it out to run on its own");
      err.flush();
      return false;
    }
    Optional<ProcessHandle> parent = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (parent.isEmpty()) {
      gone(pid, err);
    } else {
      parent.get().onExit().thenRun(() -> gone(pid, err));
    }
    return true;
  }

  private static void gone(long pid, PrintWriter err) {
    err.println(
        "glimpse: PARENT_GONE: process "
            + pid
            + " ("
            + PROPERTY
            + "), which started this one, has ended; stopping");
    err.flush();
    System.exit(0); // runs the command's stop hook, which sets the exit code
  }
}
