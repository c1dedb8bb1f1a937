package dev.glimpse.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
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
 * A real single-node Kafka (KRaft, broker and controller in one) running in this JVM, for the
 * demo and the integration tests. Listens on free ports of 127.0.0.1; keeps its data in a fresh
 * directory under {@code java.io.tmpdir} that {@link #close()} deletes.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Path dataDir;
  private final String bootstrapServers;
  private final KafkaRaftServer server;
  private boolean closed;

  private EmbeddedKafkaBroker(Path dataDir, String bootstrapServers, KafkaRaftServer server) {
    this.dataDir = dataDir;
    this.bootstrapServers = bootstrapServers;
    this.server = server;
  }

  /** Formats storage, starts the node and waits until it answers; broker configs may be added. */
  public static EmbeddedKafkaBroker start(Map<String, String> extraBrokerConfig) {
    Path dataDir;
    try {
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      Files.createDirectories(tmp);
      dataDir = Files.createTempDirectory(tmp, "glimpse-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the broker's data directory", e);
    }
    int brokerPort = freePort();
    int controllerPort = freePort();
    String bootstrap = "127.0.0.1:" + brokerPort;
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + bootstrap);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
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

    format(dataDir, props);
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    server.startup();
    EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, bootstrap, server);
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

  /** Shuts the node down and deletes its data; calling it again does nothing. */
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
      deleteRecursively(dataDir);
    }
  }

  private static void format(Path dataDir, Properties props) {
    Path file = dataDir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(file)) {
      props.store(out, "glimpse embedded broker");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
                "the embedded broker did not answer on " + bootstrapServers + " within "
                    + READY_TIMEOUT.toSeconds() + " s",
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

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
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
