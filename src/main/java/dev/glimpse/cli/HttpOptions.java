package dev.glimpse.cli;

import dev.glimpse.ops.Health;
import dev.glimpse.ops.Metrics;
import dev.glimpse.ops.OpsServer;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where a long-running command serves /metrics and /health: off unless --http-port is given. */
final class HttpOptions {
  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description =
          "Serve /metrics and /health/live, /health/ready on this port (0: any free port; default: none).")
  Integer port;

  @Option(
      names = "--http-host",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description =
          "The address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface, as in a container).")
  String host;

  /** The server, when one was asked for; closing it stops it. */
  record Served(Optional<OpsServer> server) implements AutoCloseable {
    @Override
    public void close() {
      server.ifPresent(OpsServer::close);
    }
  }

  /** Starts the server when a port was given, and prints its address. */
  Served start(Metrics metrics, Health health, PrintWriter err) {
    if (port == null) {
      return new Served(Optional.empty());
    }
    if (port < 0 || port > 65535) {
      throw new Errors.UserError(
          "BAD_HTTP_PORT",
          "--http-port " + port + " is not a port; give 0 to 65535 (0 takes" + " any free port)");
    }
    OpsServer server;
    try {
      server = OpsServer.start(host, port, metrics, health);
    } catch (OpsServer.OpsServerException e) {
      throw new Errors.UserError(e.code(), e.getMessage().substring(e.code().length() + 2));
    }
    err.printf("metrics and health at %s%n", server.url());
    err.flush();
    return new Served(Optional.of(server));
  }
}
