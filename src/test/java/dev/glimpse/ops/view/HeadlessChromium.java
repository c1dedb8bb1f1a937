package dev.glimpse.ops.view;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real headless Chromium (Debian's {@code chromium}) driven over the DevTools protocol: a
 * WebSocket from Java's HttpClient, no driver library. Tests skip when no binary is found ({@link
 * #binary()}); CI installs the package ({@code .ci/run}).
 */
public final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> NAMES =
      List.of("chromium", "chromium-browser", "google-chrome");

  private final Process process;
  private final Path profile;
  private final Path log;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();

  private HeadlessChromium(Process process, Path profile, Path log, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.log = log;
    this.socket = socket;
  }

  /** The binary on the PATH (or {@code GLIMPSE_CHROMIUM}), if there is one. */
  public static Optional<Path> binary() {
    String configured = System.getenv("GLIMPSE_CHROMIUM");
    if (configured != null && Files.isExecutable(Path.of(configured))) {
      return Optional.of(Path.of(configured));
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : NAMES) {
        Path candidate = Path.of(dir, name);
        if (!dir.isEmpty() && Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** Why a test skips without it. */
  public static final String MISSING =
      "no chromium binary on the PATH (looked for "
          + NAMES
          + "): install Debian's chromium (apt-get install -y chromium), as .ci/run does, or set GLIMPSE_CHROMIUM";

  /** Starts the browser on {@code url} in a window of the given size and attaches to its page. */
  public static HeadlessChromium open(Path binary, Path tmp, String url, int width, int height)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(tmp, "chromium-profile-");
    Path log = Files.createTempFile(tmp, "chromium-", ".log");
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--headless",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--mute-audio",
                "--hide-scrollbars",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "--window-size=" + width + "," + height));
    if ("root".equals(System.getProperty("user.name"))) {
      command.add("--no-sandbox"); // Chromium refuses to run as root with its sandbox
    }
    command.add(url);
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      int port = devToolsPort(process, profile.resolve("DevToolsActivePort"), log);
      HttpClient http = HttpClient.newHttpClient();
      String pageSocket = pageSocket(http, port, log);
      HeadlessChromium[] self = new HeadlessChromium[1];
      StringBuilder partial = new StringBuilder();
      WebSocket socket =
          http.newWebSocketBuilder()
              .buildAsync(
                  URI.create(pageSocket),
                  new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(
                        WebSocket ws, CharSequence data, boolean last) {
                      partial.append(data);
                      if (last) {
                        String message = partial.toString();
                        partial.setLength(0);
                        self[0].received(message);
                      }
                      ws.request(1);
                      return null;
                    }
                  })
              .get(30, TimeUnit.SECONDS);
      self[0] = new HeadlessChromium(process, profile, log, socket);
      self[0].awaitLoaded(url);
      return self[0];
    } catch (Exception e) {
      destroy(process, profile);
      throw new IOException(
          "could not attach to headless chromium (" + e + "):\n" + Files.readString(log), e);
    }
  }

  /** The page may still be loading when the browser lists it. */
  private void awaitLoaded(String url) throws Exception {
    await(
        "document.readyState === 'complete' && location.href === " + JSON.writeValueAsString(url),
        JsonNode::asBoolean,
        Duration.ofSeconds(30));
  }

  private static int devToolsPort(Process process, Path portFile, Path log)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      if (Files.exists(portFile)) {
        List<String> lines = Files.readAllLines(portFile);
        if (!lines.isEmpty() && !lines.get(0).isBlank()) {
          return Integer.parseInt(lines.get(0).trim());
        }
      }
      Thread.sleep(100);
    }
    throw new IOException(
        "chromium wrote no DevTools port (alive: "
            + process.isAlive()
            + "):\n"
            + Files.readString(log));
  }

  private static String pageSocket(HttpClient http, int port, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> list =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
              HttpResponse.BodyHandlers.ofString());
      for (JsonNode target : JSON.readTree(list.body())) {
        if (target.path("type").asText().equals("page") && target.has("webSocketDebuggerUrl")) {
          return target.get("webSocketDebuggerUrl").asText();
        }
      }
      Thread.sleep(100);
    }
    throw new IOException("chromium listed no page:\n" + Files.readString(log));
  }

  private void received(String message) {
    try {
      JsonNode node = JSON.readTree(message);
      if (node.has("id")) {
        CompletableFuture<JsonNode> reply = replies.remove(node.get("id").asInt());
        if (reply != null) {
          reply.complete(node);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("chromium sent something that is not JSON: " + message, e);
    }
  }

  /** Sends one DevTools command and returns its {@code result}. */
  public JsonNode call(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    replies.put(id, reply);
    ObjectNode command = JSON.createObjectNode();
    command.put("id", id);
    command.put("method", method);
    command.set("params", JSON.valueToTree(params));
    socket.sendText(JSON.writeValueAsString(command), true).get(30, TimeUnit.SECONDS);
    JsonNode answer = reply.get(60, TimeUnit.SECONDS);
    if (answer.has("error")) {
      throw new IllegalStateException(method + " failed: " + answer.get("error"));
    }
    return answer.get("result");
  }

  /** Evaluates a JavaScript expression in the page and returns its value as JSON. */
  public JsonNode evaluate(String expression) throws Exception {
    JsonNode result =
        call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("the page threw: " + result.get("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  /**
   * Evaluates until the value satisfies {@code done}; fails with the last value when it never does.
   */
  public JsonNode await(String expression, Predicate<JsonNode> done, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode value = evaluate(expression);
    while (!done.test(value)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the page never got there; last it showed " + value);
      }
      Thread.sleep(200);
      value = evaluate(expression);
    }
    return value;
  }

  /** Saves what the window shows (the whole page, beyond the window too) as a PNG. */
  public void screenshot(Path png) throws Exception {
    JsonNode shot =
        call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.write(png, Base64.getDecoder().decode(shot.get("data").asText()));
  }

  /** What the browser printed, for failure messages. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() {
    socket.abort();
    destroy(process, profile);
  }

  /**
   * Ends the browser and the renderer, GPU and zygote processes it started, then removes what a
   * browser ended this way leaves outside its profile.
   */
  private static void destroy(Process process, Path profile) {
    end(process);
    removeSingletonSocket(profile);
  }

  /**
   * The profile's SingletonSocket is a link to a socket in a directory of its own under the system
   * temp folder: removed with that directory here, so that neither is left in /tmp (nor the link
   * for JUnit's @TempDir to warn about as it deletes the profile).
   */
  private static void removeSingletonSocket(Path profile) {
    Path link = profile.resolve("SingletonSocket");
    try {
      if (!Files.isSymbolicLink(link)) {
        return;
      }
      Path socket = Files.readSymbolicLink(link);
      Files.delete(link);
      Files.deleteIfExists(socket);
      Path dir = socket.getParent();
      if (dir != null && dir.getFileName().toString().startsWith("org.chromium.Chromium.")) {
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      // best effort: what is left is a stale socket of a browser that has ended
    }
  }

  private static void end(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    children.forEach(ProcessHandle::destroy);
  }
}
