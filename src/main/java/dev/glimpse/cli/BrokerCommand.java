package dev.glimpse.cli;

import dev.glimpse.kafka.EmbeddedKafkaBroker;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code broker}: the single-node KRaft broker of the demo and the tests, alone in the foreground,
 * for running ingest, workers, produce and tail as separate processes. Exits 0 after a stop signal
 * once the node shut down (its log flushed), 1 when a port is taken or the node stopped by itself.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Run a single-node Kafka broker (KRaft) in the foreground until stopped.")
final class BrokerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "9092",
      paramLabel = "PORT",
      description = "The client port (default: ${DEFAULT-VALUE}; 0: any free one).")
  int port;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDRESS",
      description = "The address to listen on and advertise (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Keep the log here across restarts (default: a temporary directory removed at stop).")
  Path data;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    if (port < 0 || port > 65535) {
      throw new Errors.UserError(
          "BAD_PORT", "--port is " + port + "; give a port from 1 to 65535 (0: any free one)");
    }
    if (data != null && Files.exists(data) && !Files.isDirectory(data)) {
      throw new Errors.UserError(
          "BAD_DATA_DIR",
          data + " is a file; --data must name a directory (it is" + " created when missing)");
    }
    try {
      InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new Errors.UserError(
          "BAD_HOST",
          "--host "
              + host
              + " is not an address of this machine ("
              + e.getMessage()
              + "); give one such as 127.0.0.1");
    }
    EmbeddedKafkaBroker broker;
    try {
      broker =
          EmbeddedKafkaBroker.start(
              new EmbeddedKafkaBroker.Placement(host, port, Optional.ofNullable(data)), Map.of());
    } catch (EmbeddedKafkaBroker.PortInUseException e) {
      throw new Errors.UserError(
          "PORT_IN_USE",
          e.getMessage()
              + "; stop what listens there (another broker?)"
              + " or choose another --port");
    } catch (UncheckedIOException e) {
      throw new Errors.UserError(
          "BAD_DATA_DIR",
          e.getMessage()
              + " ("
              + e.getCause().getMessage()
              + "); give --data a directory this user can write");
    }
    try (StopSignal stop = StopSignal.install("broker", err, within -> stop(broker, within))) {
      err.printf("broker ready at %s%n", broker.bootstrapServers());
      err.printf(
          "data in %s (%s); stop with Ctrl-C%n",
          broker.dataDir(),
          broker.isTemporary()
              ? "temporary, removed at stop: --data DIR keeps it"
              : "kept across restarts");
      err.flush();
      broker.awaitShutdown();
    }
    // only a node that stopped by itself gets here: a stop signal ends the JVM in its hook
    broker.close();
    throw new Errors.Fatal(
        "BROKER_FAILED",
        "the broker stopped by itself; its log above says why; start it again"
            + " on the same --data to recover what it had committed",
        null);
  }

  /** Shuts the node down on a thread of its own, so that a hung shutdown still ends in time. */
  private static boolean stop(EmbeddedKafkaBroker broker, Duration within)
      throws InterruptedException {
    AtomicReference<RuntimeException> failed = new AtomicReference<>();
    Thread closer =
        new Thread(
            () -> {
              try {
                broker.close();
              } catch (RuntimeException e) {
                failed.set(e);
              }
            },
            "glimpse-broker-close");
    closer.setDaemon(true);
    closer.start();
    closer.join(within.toMillis());
    if (failed.get() != null) {
      throw failed.get();
    }
    return !closer.isAlive();
  }
}
