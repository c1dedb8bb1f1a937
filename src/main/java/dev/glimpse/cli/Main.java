package dev.glimpse.cli;

import dev.glimpse.model.NativeSettings;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of target/glimpse.jar: wires the subcommands, nothing else. */
@Command(
    name = "glimpse",
    mixinStandardHelpOptions = true,
    version = "glimpse 0.1.0",
    description = "Understands image streams with a LLaVA-style vision-language model.",
    subcommands = {
      DemoCommand.class,
      BrokerCommand.class,
      IngestCommand.class,
      WorkerCommand.class,
      ProduceCommand.class,
      TailCommand.class,
      GenerateCommand.class,
      TrainCommand.class,
      EvalCommand.class,
      BenchCommand.class,
      PipelineBenchCommand.class,
      RandomCheckpointCommand.class,
      ViewCommand.class
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    if (!ParentWatch.install(new PrintWriter(System.err, true))) {
      System.exit(2);
    }
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (0 success, 1 failure, 2 usage). */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs a command line with its output and errors going to the given writers. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    Offline.configure();
    NativeSettings.configure();
    try {
      CommandLine commandLine = new CommandLine(new Main()).setOut(out).setErr(err);
      return commandLine
          .setExecutionExceptionHandler(new Errors())
          .setParameterExceptionHandler(
              Errors.parseErrors(commandLine.getParameterExceptionHandler()))
          .execute(args);
    } catch (Error e) {
      // picocli hands only Exceptions to Errors; an Error (OutOfMemoryError, ...) would leave
      // main with Kafka's non-daemon threads still keeping the JVM up, doing nothing
      err.println(
          "glimpse: FATAL: "
              + e
              + "; the process cannot go on: raise -Xmx if memory ran"
              + " out, otherwise report it with the log");
      err.flush();
      return 1;
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
