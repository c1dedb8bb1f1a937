package dev.glimpse.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code glimpse} command in a JVM of its own, started from this JVM's class path through a
 * launcher (a scheduling command such as {@code chrt}) with JVM options of its own, its output
 * copied to a log file. {@link #awaitLine} waits for the line that says it is ready; {@link #close}
 * stops it as a supervisor does (SIGTERM, then SIGKILL), and it stops by itself when this JVM ends
 * without closing it ({@link ParentWatch}).
 */
final class ChildJvm implements AutoCloseable {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final Process process;
  private final Path log;
  private final List<Waiter> waiters = new ArrayList<>();

  private record Waiter(Pattern pattern, CompletableFuture<Matcher> found) {}

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code launcher... java jvmOptions... glimpse args...}, its output in {@code
   * logs/name.log}.
   */
  static ChildJvm start(
      String name, List<String> launcher, List<String> jvmOptions, Path logs, List<String> args) {
    List<String> command = new ArrayList<>(launcher);
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.add(ParentWatch.optionForChildren()); // it stops when this JVM ends, however it ends
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(args);
    Path log = logs.resolve(name + ".log");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      ChildJvm child = new ChildJvm(name, process, log);
      Thread copier = new Thread(child::copyOutput, "glimpse-" + name + "-output");
      copier.setDaemon(true);
      copier.start();
      return child;
    } catch (IOException e) {
      throw new Errors.Fatal(
          "CHILD_START_FAILED",
          "could not start "
              + name
              + " ("
              + e.getMessage()
              + "); it needs "
              + (launcher.isEmpty() ? "" : "`" + launcher.get(0) + "` and ")
              + "the java that runs this command",
          e);
    }
  }

  /** The first line of its output that matches {@code pattern}, waiting up to {@code timeout}. */
  Matcher awaitLine(Pattern pattern, Duration timeout) {
    CompletableFuture<Matcher> found = new CompletableFuture<>();
    synchronized (waiters) {
      waiters.add(new Waiter(pattern, found));
    }
    // the output may have said it before we asked
    try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
      lines.map(pattern::matcher).filter(Matcher::find).findFirst().ifPresent(found::complete);
    } catch (IOException | UncheckedIOException e) {
      // not written yet: the copier will see the line
    }
    try {
      return found.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      throw new Errors.Fatal(
          "CHILD_NOT_READY",
          name
              + (process.isAlive()
                  ? " did not say it was ready within " + timeout.toSeconds() + " s"
                  : " exited with " + process.exitValue())
              + "; its log is "
              + log,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Errors.Fatal("CHILD_NOT_READY", "interrupted waiting for " + name, e);
    }
  }

  /** CPU time the process has used so far (user and system). */
  Duration cpu() {
    return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  Path log() {
    return log;
  }

  private void copyOutput() {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        out.write(line);
        out.write('\n');
        out.flush();
        synchronized (waiters) {
          for (Waiter w : waiters) {
            Matcher m = w.pattern.matcher(line);
            if (!w.found.isDone() && m.find()) {
              w.found.complete(m);
            }
          }
        }
      }
    } catch (IOException e) {
      // the process went; its exit is what close() and awaitLine() report
    } finally {
      synchronized (waiters) {
        waiters.forEach(w -> w.found.completeExceptionally(new IOException(name + " ended")));
      }
    }
  }

  /** SIGTERM, as a supervisor stops it; SIGKILL after {@link #STOP_TIMEOUT}. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
