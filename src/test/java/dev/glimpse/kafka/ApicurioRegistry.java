package dev.glimpse.kafka;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Apicurio Registry (the packaged Quarkus app from Maven Central, unpacked by the build into
 * {@code target/apicurio}) as a child process on loopback ports, with in-memory storage. It needs
 * Java 21+: the test is skipped, saying so, where this machine has none.
 */
public final class ApicurioRegistry implements AutoCloseable {
  private static final Duration STARTUP = Duration.ofSeconds(90);
  private final Process process;
  private final Path log;
  private final URI base;

  private ApicurioRegistry(Process process, Path log, URI base) {
    this.process = process;
    this.log = log;
    this.base = base;
  }

  /** Starts the registry and waits until its Confluent-compatible API answers. */
  public static ApicurioRegistry start() throws IOException, InterruptedException {
    Path app = Path.of(System.getProperty("glimpse.apicurio.dir", "target/apicurio"));
    Assumptions.assumeTrue(
        Files.exists(app.resolve("quarkus-run.jar")),
        "no Apicurio Registry under "
            + app
            + ": run the tests through Maven (generate-test-resources"
            + " unpacks io.apicurio:apicurio-registry-app:tar.gz:all there)");
    Optional<Path> java = java21();
    Assumptions.assumeTrue(
        java.isPresent(),
        "Apicurio Registry 3.3 needs Java 21+ and this machine has none under /usr/lib/jvm or"
            + " java.home: install one (e.g. Temurin 25) to run this test");
    int http = freePort();
    int management = freePort();
    Path log = Files.createTempFile("apicurio-", ".log");
    Process process =
        new ProcessBuilder(
                java.get().toString(),
                "-Xmx256m",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + http,
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + management,
                "-jar",
                "quarkus-run.jar")
            .directory(app.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    ApicurioRegistry registry =
        new ApicurioRegistry(process, log, URI.create("http://127.0.0.1:" + http));
    registry.awaitReady();
    return registry;
  }

  /** {@code http://127.0.0.1:port}. */
  public String base() {
    return base.toString();
  }

  /** The Confluent-compatible API, what {@code glimpse.schema.registry.url} names. */
  public String ccompatUrl() {
    return base + "/apis/ccompat/v7";
  }

  /** Apicurio's own v3 API, what its serdes use. */
  public String v3Url() {
    return base + "/apis/registry/v3";
  }

  /** GET on the ccompat API: status and body. */
  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(ccompatUrl() + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        if (get("/subjects").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    close();
    throw new AssertionError(
        "Apicurio Registry did not answer within "
            + STARTUP.toSeconds()
            + " s (alive: "
            + process.isAlive()
            + "):\n"
            + output);
  }

  /** The newest JDK of major version 21 or more: this JVM's, or one under /usr/lib/jvm. */
  static Optional<Path> java21() throws IOException {
    Path self = Path.of(System.getProperty("java.home"));
    if (Runtime.version().feature() >= 21) {
      return Optional.of(self.resolve("bin/java"));
    }
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    try (Stream<Path> dirs = Files.list(jvms)) {
      List<Path> homes =
          dirs.filter(d -> Files.isExecutable(d.resolve("bin/java")) && major(d) >= 21).toList();
      return homes.stream()
          .max(Comparator.comparingInt(ApicurioRegistry::major))
          .map(d -> d.resolve("bin/java"));
    }
  }

  /** The major version a JDK's {@code release} file states, 0 when it states none. */
  private static int major(Path home) {
    try {
      Matcher m =
          Pattern.compile("JAVA_VERSION=\"(\\d+)")
              .matcher(Files.readString(home.resolve("release")));
      return m.find() ? Integer.parseInt(m.group(1)) : 0;
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
