package dev.glimpse.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka (KRaft, broker and controller in one) running in this JVM, for the demo,
 * {@code glimpse broker} and the integration tests. By default it listens on free ports of
 * 127.0.0.1 and keeps its data in a fresh directory under {@code java.io.tmpdir} that {@link
 * #close()} deletes; a {@link Placement} fixes the port and keeps the log in a directory.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private static final String SERVER_PROPERTIES = "server.properties";
  private static final String CONTROLLER_BOOTSTRAP = "controller.quorum.bootstrap.servers";

  private final Path dataDir;
  private final boolean temporary;
  private final String bootstrapServers;
  private final KafkaRaftServer server;
  private boolean closed;

  private EmbeddedKafkaBroker(
      Path dataDir, boolean temporary, String bootstrapServers, KafkaRaftServer server) {
    this.dataDir = dataDir;
    this.temporary = temporary;
    this.bootstrapServers = bootstrapServers;
    this.server = server;
  }

  /**
   * Where the node listens and keeps its log.
   *
   * @param host the address its client listener binds to and advertises
   * @param port the client port; 0 takes a free one
   * @param dataDir a directory to keep the log in across restarts (formatted only when it holds
   *     none); empty: a fresh directory under {@code java.io.tmpdir} that {@link #close()} deletes
   */
  public record Placement(String host, int port, Optional<Path> dataDir) {
    public Placement {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("a port is 0 to 65535, not " + port);
      }
    }

    /** Free ports of 127.0.0.1, a temporary log: the demo and the tests. */
    public static Placement ephemeral() {
      return new Placement("127.0.0.1", 0, Optional.empty());
    }
  }

  /** A port the node needs is taken by another process. */
  public static final class PortInUseException extends IllegalStateException {
    private final String address;

    PortInUseException(String address, String listener, Throwable cause) {
      super(address + " (the " + listener + " listener) is already in use", cause);
      this.address = address;
    }

    /** {@code host:port}. */
    public String address() {
      return address;
    }
  }

  /** Formats storage, starts the node and waits until it answers; broker configs may be added. */
  public static EmbeddedKafkaBroker start(Map<String, String> extraBrokerConfig) {
    return start(Placement.ephemeral(), extraBrokerConfig);
  }

  /**
   * Starts the node at {@code placement}: formats its storage unless the data directory already
   * holds a formatted log (then the node comes back with its topics, offsets and transactions), and
   * waits until it answers.
   *
   * @throws PortInUseException when the client or controller port is taken
   */
  public static EmbeddedKafkaBroker start(
      Placement placement, Map<String, String> extraBrokerConfig) {
    boolean temporary = placement.dataDir().isEmpty();
    Path dataDir;
    try {
      if (temporary) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(tmp);
        dataDir = Files.createTempDirectory(tmp, "glimpse-kafka-");
      } else {
        dataDir = Files.createDirectories(placement.dataDir().get().toAbsolutePath());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the broker's data directory", e);
    }
    boolean formatted = Files.exists(dataDir.resolve("logs").resolve("meta.properties"));
    String host = placement.host();
    int brokerPort = placement.port() == 0 ? freePort(host) : placement.port();
    // a kept log names its controller's address in the quorum's voter set: keep the port it was
    // formatted with, and a restart is the same node in the same place
    int controllerPort =
        formatted
            ? savedControllerPort(dataDir).orElseGet(() -> freePortOtherThan(host, brokerPort))
            : freePortOtherThan(host, brokerPort);
    try {
      requireFree(host, brokerPort, "client");
      requireFree(host, controllerPort, "controller");
    } catch (PortInUseException e) {
      if (temporary) {
        deleteRecursively(dataDir);
      }
      throw e;
    }
    String bootstrap = host + ":" + brokerPort;
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put(
        "listeners", "PLAINTEXT://" + bootstrap + ",CONTROLLER://" + host + ":" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + bootstrap);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put(CONTROLLER_BOOTSTRAP, host + ":" + controllerPort);
    props.put("log.dirs", dataDir.resolve("logs").toString());
    props.put("num.partitions", "1");
    props.put("default.replication.factor", "1");
    props.put("auto.create.topics.enable", "false");
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "1");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("message.max.bytes", String.valueOf(16 * 1024 * 1024));
    props.putAll(extraBrokerConfig);

    writeProperties(dataDir, props);
    if (!formatted) {
      format(dataDir);
    }
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      stopQuietly(server);
      if (temporary) {
        deleteRecursively(dataDir);
      }
      if (causedBy(e, BindException.class)) {
        // another process took a port between the check above and the bind
        throw new PortInUseException(
            bootstrap + " or " + host + ":" + controllerPort, "client or controller", e);
      }
      throw e;
    }
    EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, temporary, bootstrap, server);
    try {
      broker.awaitReady();
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    return broker;
  }

  public static EmbeddedKafkaBroker start() {
    return start(Map.of());
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Where the log lives. */
  public Path dataDir() {
    return dataDir;
  }

  /** Whether {@link #close()} deletes the data directory (it was not given). */
  public boolean isTemporary() {
    return temporary;
  }

  /**
   * Blocks until the node has shut down: after {@link #close()}, or when it stopped on a fatal
   * error.
   */
  public void awaitShutdown() {
    server.awaitShutdown();
  }

  /** Shuts the node down and deletes its data when temporary; calling it again does nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      if (temporary) {
        deleteRecursively(dataDir);
      }
    }
  }

  /** The node's configuration, kept beside its log: what it was last started with. */
  private static void writeProperties(Path dataDir, Properties props) {
    try (OutputStream out = Files.newOutputStream(dataDir.resolve(SERVER_PROPERTIES))) {
      props.store(out, "glimpse embedded broker");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the broker's configuration into " + dataDir, e);
    }
  }

  private static Optional<Integer> savedControllerPort(Path dataDir) {
    Properties saved = new Properties();
    try (InputStream in = Files.newInputStream(dataDir.resolve(SERVER_PROPERTIES))) {
      saved.load(in);
    } catch (IOException e) {
      return Optional.empty();
    }
    String servers = saved.getProperty(CONTROLLER_BOOTSTRAP, "");
    int colon = servers.lastIndexOf(':');
    try {
      return colon < 0
          ? Optional.empty()
          : Optional.of(Integer.parseInt(servers.substring(colon + 1).trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void format(Path dataDir) {
    Path file = dataDir.resolve(SERVER_PROPERTIES);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    String[] args = {
      // no --feature: the defaults of this Kafka version (transaction.version 2, KIP-890), as
      // the docker-compose broker formats itself; the tests run on what is deployed
      "format", "--standalone", "-t", Uuid.randomUuid().toString(), "-c", file.toString()
    };
    int rc;
    try (PrintStream print = new PrintStream(log, true, StandardCharsets.UTF_8)) {
      rc = StorageTool.execute(args, print);
    } catch (Exception e) {
      throw new IllegalStateException("cannot format the embedded broker's storage: " + e, e);
    }
    if (rc != 0) {
      throw new IllegalStateException(
          "formatting the embedded broker's storage failed (" + rc + "): " + log);
    }
  }

  private void awaitReady() {
    Properties admin = new Properties();
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (Admin client = Admin.create(admin)) {
      long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
      while (true) {
        try {
          if (!client.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "the embedded broker did not answer on "
                    + bootstrapServers
                    + " within "
                    + READY_TIMEOUT.toSeconds()
                    + " s",
                e);
          }
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the embedded broker", e);
    }
  }

  /**
   * A free port, never {@code taken}: the OS may hand the same ephemeral port out twice in a row.
   */
  private static int freePortOtherThan(String host, int taken) {
    for (int attempt = 0; attempt < 20; attempt++) {
      int port = freePort(host);
      if (port != taken) {
        return port;
      }
    }
    throw new IllegalStateException(
        "the OS keeps handing out port " + taken + " only; free some ports on " + host);
  }

  private static int freePort(String host) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + host, e);
    }
  }

  /** Binds the port once, as the node will, so that a taken one is named before anything starts. */
  private static void requireFree(String host, int port, String listener) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1);
    } catch (BindException e) {
      throw new PortInUseException(host + ":" + port, listener, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ":" + port, e);
    }
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static void stopQuietly(KafkaRaftServer server) {
    try {
      server.shutdown();
    } catch (RuntimeException e) {
      // it failed to start: what it started is stopped as far as it goes
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a leftover temp directory under target/ is harmless
    }
  }
}
