package dev.glimpse.cli;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * What a long-running command does when it is asked to stop (SIGTERM from a supervisor, Ctrl-C): a
 * shutdown hook closes the service within a deadline, says in one line whether it stopped cleanly
 * and ends the JVM with 0 or 1. The hook must do the closing itself: the JVM halts as soon as its
 * hooks return, whatever other threads are doing, and it would exit 143 (128 + SIGTERM) after a
 * clean close as after a crash, which tells a supervisor nothing.
 */
final class StopSignal implements AutoCloseable {

  /** Closes the service; true when it stopped cleanly within the time given. */
  interface Stopper {
    boolean stop(Duration within) throws Exception;
  }

  /** How long a service gets to stop: supervisors commonly kill 10 s after SIGTERM. */
  static final Duration STOP_WITHIN = Duration.ofSeconds(9);

  private final Thread hook;

  private StopSignal(Thread hook) {
    this.hook = hook;
  }

  /** Registers the hook; {@link #close()} removes it again when the command ends by itself. */
  static StopSignal install(String service, PrintWriter err, Stopper stopper) {
    Thread hook =
        new Thread(
            () -> {
              int code;
              try {
                if (stopper.stop(STOP_WITHIN)) {
                  err.println("glimpse: " + service + " stopped cleanly");
                  code = 0;
                } else {
                  err.println(
                      "glimpse: STOP_TIMEOUT: "
                          + service
                          + " did not stop cleanly within "
                          + STOP_WITHIN.toSeconds()
                          + " s of the stop signal; the broker aborts what it left"
                          + " open, and its work is redone by the next owner");
                  code = 1;
                }
              } catch (Exception | Error e) {
                err.println(
                    "glimpse: STOP_FAILED: "
                        + service
                        + " failed while stopping ("
                        + e
                        + "); its work is redone by the next owner");
                code = 1;
              }
              err.flush();
              Runtime.getRuntime().halt(code);
            },
            "glimpse-stop-" + service);
    Runtime.getRuntime().addShutdownHook(hook);
    return new StopSignal(hook);
  }

  /**
   * Removes the hook; when a stop signal already started it, waits for it (it ends the JVM), so
   * that the command never returns its own exit code over the hook's.
   */
  @Override
  public void close() throws InterruptedException {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      hook.join();
    }
  }
}
