package dev.glimpse.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code glimpse} as its own JVM on the test classpath, for what only a real process shows: exit
 * codes after signals, shutdown hooks. Its stdout and stderr go to a file, not a pipe: {@link
 * Process#destroy()} closes the pipes as it signals, and what the process says while stopping would
 * be lost.
 */
final class ChildProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ChildProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code glimpse args...} with its temporary files and model cache under {@code tmp}. */
  static ChildProcess start(Path tmp, String... args) throws IOException {
    return start(tmp, List.of("-Xmx1g"), args);
  }

  /** The same with these JVM options (heap size, log levels, ...). */
  static ChildProcess start(Path tmp, List<String> jvmOptions, String... args) throws IOException {
    return start(tmp, jvmOptions, Map.of(), args);
  }

  /** The same with these environment variables added ({@code GLIMPSE_*} settings, ...). */
  static ChildProcess start(
      Path tmp, List<String> jvmOptions, Map<String, String> env, String... args)
      throws IOException {
    return startOn(System.getProperty("java.class.path"), tmp, jvmOptions, env, args);
  }

  /**
   * The same on another class path (the test's own with jars left out, as an image leaves them
   * out).
   */
  static ChildProcess startOn(String classPath, Path tmp, List<String> jvmOptions, String... args)
      throws IOException {
    return startOn(classPath, tmp, jvmOptions, Map.of(), args);
  }

  private static ChildProcess startOn(
      String classPath, Path tmp, List<String> jvmOptions, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
            "-D" + BuiltinModel.CACHE_DIR_PROPERTY + "=" + tmp.resolve("cache"),
            "-Dai.djl.offline=true",
            "-cp",
            classPath,
            Main.class.getName()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile(tmp, "child-", ".log");
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new ChildProcess(process, log);
  }

  /** Waits for a line containing {@code text}; fails with all output when none came in time. */
  void awaitLine(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!output().contains(text)) {
      if (System.nanoTime() > deadline || !process.isAlive() && !output().contains(text)) {
        throw new AssertionError(
            "no line with '" + text + "' (alive: " + process.isAlive() + "):\n" + output());
      }
      Thread.sleep(50);
    }
  }

  /** Sends SIGTERM and returns the exit code, or fails when it did not exit in time. */
  int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "still running " + timeout.toSeconds() + " s after SIGTERM:\n" + output());
    }
    return process.exitValue();
  }

  /**
   * Waits for the process to end by itself and returns its exit code, or fails when it did not in
   * time.
   */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("still running after " + timeout.toSeconds() + " s:\n" + output());
    }
    return process.exitValue();
  }

  /** Sends SIGTERM and returns at once. */
  void signalStop() {
    process.destroy();
  }

  /** SIGKILL, as a crash or the OOM killer would: no shutdown hook runs. Waits until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the process wrote so far. */
  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot read the child's output in " + log, e);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
