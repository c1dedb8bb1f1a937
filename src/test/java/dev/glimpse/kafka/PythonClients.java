package dev.glimpse.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The Python clients of {@code examples/python} as child processes, on an interpreter that has
 * Debian's {@code python3-confluent-kafka} and {@code python3-avro}. Where none has them the
 * calling test is skipped, saying what to install.
 */
public final class PythonClients {
  private static final String MODULES = "import avro.io, avro.schema, confluent_kafka";
  private final Path python;
  private final Path examples;
  private final Path tmp;

  private PythonClients(Path python, Path examples, Path tmp) {
    this.python = python;
    this.examples = examples;
    this.tmp = tmp;
  }

  /** What a script printed (stdout and stderr together) and its exit code. */
  public record Run(int exitCode, String output) {
    public List<String> lines() {
      return output.lines().toList();
    }
  }

  /** The clients, their output files under {@code tmp}; skips the test when no interpreter fits. */
  public static PythonClients find(Path tmp) throws IOException, InterruptedException {
    Path examples = Path.of(System.getProperty("glimpse.basedir", "."), "examples", "python");
    Assumptions.assumeTrue(
        Files.isRegularFile(examples.resolve("glimpse_wire.py")),
        "no examples/python/glimpse_wire.py under "
            + examples.toAbsolutePath()
            + ": run the tests from the repository");
    Optional<Path> python = interpreter(tmp);
    if (python.isEmpty()) {
      String why =
          "no python3 with the modules avro and confluent_kafka (tried "
              + candidates()
              + "): apt-get install python3-confluent-kafka python3-avro, or set -Dglimpse.python=PATH";
      // the console shows only a count of skipped tests: say here why these are among them
      System.err.println("skipping the Python client tests: " + why);
      Assumptions.abort(why);
    }
    return new PythonClients(python.get(), examples, tmp);
  }

  /**
   * The interpreter {@code -Dglimpse.python} or {@code $GLIMPSE_PYTHON} names, only that one when
   * given; else Debian's {@code /usr/bin/python3} (where apt installs the modules, whatever a pyenv
   * or venv puts first on the PATH), then {@code python3}.
   */
  private static List<String> candidates() {
    String chosen =
        Optional.ofNullable(System.getProperty("glimpse.python"))
            .orElse(System.getenv("GLIMPSE_PYTHON"));
    return chosen != null && !chosen.isBlank()
        ? List.of(chosen)
        : List.of("/usr/bin/python3", "python3");
  }

  private static Optional<Path> interpreter(Path tmp) throws IOException, InterruptedException {
    for (String candidate : candidates()) {
      try {
        Path log = Files.createTempFile(tmp, "python-probe-", ".log");
        Process p =
            new ProcessBuilder(candidate, "-c", MODULES)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return Optional.of(Path.of(candidate));
        }
        p.destroyForcibly();
      } catch (IOException notThere) {
        // no such interpreter: try the next
      }
    }
    return Optional.empty();
  }

  /**
   * Runs {@code examples/python/<script> args...}; fails with its output when it outlives {@code
   * timeout}.
   */
  public Run run(Duration timeout, String script, String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of(python.toString(), examples.resolve(script).toString()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile(tmp, script.replace(".py", "-"), ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(examples.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // no __pycache__ left in the working tree
    builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    Process process = builder.start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(
          script + " still running after " + timeout.toSeconds() + " s:\n" + read(log));
    }
    return new Run(process.exitValue(), read(log));
  }

  private static String read(Path log) throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
