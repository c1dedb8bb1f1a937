package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.glimpse.contract.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fetches from real HTTP and HTTPS servers on 127.0.0.1. Names under glimpse.test resolve to
 * 127.0.0.1 through the test's own table (the first time; see {@link #lookup}), and the HTTPS
 * server's certificate names images.glimpse.test only. Every policy here but {@link #strict} allows
 * private addresses: loopback is all a test may reach.
 *
 * <p>images.glimpse.test.p12 (password glimpse-test) was made with {@code keytool -genkeypair
 * -alias server -keyalg EC -groupname secp256r1 -dname CN=images.glimpse.test -ext
 * SAN=dns:images.glimpse.test -startdate 2000/01/01 -validity 54000 -storetype PKCS12}.
 */
class HttpImageFetcherTest {
  private static final byte[] PNG = TestImages.png(4);
  private static final String PASSWORD = "glimpse-test";
  private static final InetAddress CLOSED = address("127.0.0.2"); // nothing listens there

  private final ExecutorService handlers = Executors.newCachedThreadPool();
  private final AtomicInteger requests = new AtomicInteger();
  private final List<String> hostHeaders = new CopyOnWriteArrayList<>();
  private final List<String> serverNames = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();
  private HttpServer http;
  private HttpsServer https;

  @BeforeEach
  void serve() throws IOException, GeneralSecurityException {
    var loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    http = HttpServer.create(loopback, 0);
    https = HttpsServer.create(loopback, 0);
    https.setHttpsConfigurator(new RecordingSni(serverContext(), serverNames));
    for (HttpServer server : List.of(http, https)) {
      routes(server);
      server.setExecutor(handlers);
      server.start();
    }
  }

  private void routes(HttpServer server) {
    server.createContext("/cat.png", ex -> answer(ex, PNG, PNG.length));
    server.createContext("/chunked.png", ex -> answer(ex, PNG, 0)); // no Content-Length
    server.createContext("/moved", ex -> redirect(ex, "/cat.png"));
    server.createContext("/to-metadata", ex -> redirect(ex, "http://169.254.169.254/latest/"));
    server.createContext("/loop", ex -> redirect(ex, "/loop"));
    server.createContext(
        "/to-b", ex -> redirect(ex, "http://b.glimpse.test:" + port(http) + "/cat.png"));
    server.createContext(
        "/slow-hop/",
        ex -> {
          // each hop answers well inside the deadline; the chain together does not
          int left =
              Integer.parseInt(ex.getRequestURI().getPath().substring("/slow-hop/".length()));
          sleep(300);
          redirect(ex, left == 0 ? "/cat.png" : "/slow-hop/" + (left - 1));
        });
    server.createContext(
        "/drip.png",
        ex -> {
          count(ex);
          ex.sendResponseHeaders(200, PNG.length);
          try (var body = ex.getResponseBody()) {
            for (byte b : PNG) {
              body.write(b);
              body.flush();
              Thread.sleep(100);
            }
          } catch (InterruptedException | IOException e) {
            // the client gave up, or the test is over
          }
        });
  }

  @AfterEach
  void stop() {
    http.stop(0);
    https.stop(0);
    handlers.shutdownNow();
  }

  @Test
  void fetchesTheImageBytes() {
    assertArrayEquals(PNG, fetcher(relaxed()).fetch(at(http, "127.0.0.1", "/cat.png"), 1 << 20));
  }

  @Test
  void fetchesFromAnIpv6LiteralHoweverItIsSpelled() throws IOException {
    HttpServer v6 = HttpServer.create(new InetSocketAddress(address("::1"), 0), 0);
    v6.createContext("/cat.png", ex -> answer(ex, PNG, PNG.length));
    v6.setExecutor(handlers);
    v6.start();
    try {
      // any host: the allow-list compares text, and the two spellings differ as text
      var fetcher =
          fetcher(new UriPolicy(Set.of("http"), Set.of(), true, Duration.ofSeconds(2), 0));
      for (String host : List.of("[::1]", "[0:0:0:0:0:0:0:1]")) {
        assertArrayEquals(PNG, fetcher.fetch(at(v6, host, "/cat.png"), 1 << 20), host);
      }
    } finally {
      v6.stop(0);
    }
  }

  @Test
  void refusesALoopbackServerUnlessPrivateAddressesAreAllowed() {
    var fetcher = fetcher(strict());
    for (URI uri :
        List.of(at(http, "127.0.0.1", "/cat.png"), at(http, "images.glimpse.test", "/cat.png"))) {
      var e = assertThrows(Rejected.class, () -> fetcher.fetch(uri, 1 << 20));
      assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("127.0.0.0/8 (loopback)"), e.getMessage());
    }
    assertEquals(0, requests.get(), "the server was asked anyway");
  }

  @Test
  void followsARedirectThatPassesThePolicy() {
    assertArrayEquals(PNG, fetcher(relaxed()).fetch(at(http, "127.0.0.1", "/moved"), 1 << 20));
  }

  @Test
  void checksTheRedirectTargetAgain() {
    var e =
        assertThrows(
            Rejected.class,
            () -> fetcher(relaxed()).fetch(at(http, "127.0.0.1", "/to-metadata"), 1 << 20));
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("169.254.169.254 is not on the allow-list"), e.getMessage());
  }

  @Test
  void connectsEachHopOnlyToTheAddressItsOneLookupReturned() {
    // a.glimpse.test redirects to b.glimpse.test; a second lookup of either would answer
    // 127.0.0.2, where nothing listens, so the fetch only succeeds if each hop was pinned
    byte[] image = fetcher(relaxed()).fetch(at(http, "a.glimpse.test", "/to-b"), 1 << 20);
    assertArrayEquals(PNG, image);
    assertEquals(1, lookups.get("a.glimpse.test").get());
    assertEquals(1, lookups.get("b.glimpse.test").get());
    assertEquals(
        List.of("a.glimpse.test:" + port(http), "b.glimpse.test:" + port(http)), hostHeaders);
  }

  @Test
  void fetchesOverHttpsCheckingTheCertificateAgainstTheNameNotTheAddress() {
    byte[] image = fetcher(relaxed()).fetch(at(https, "images.glimpse.test", "/cat.png"), 1 << 20);
    assertArrayEquals(PNG, image);
    assertTrue(serverNames.contains("images.glimpse.test"), "SNI sent: " + serverNames);
    assertEquals(List.of("images.glimpse.test:" + port(https)), hostHeaders);
  }

  @Test
  void refusesACertificateThatDoesNotNameTheHost() {
    var e =
        assertThrows(
            Rejected.class,
            () -> fetcher(relaxed()).fetch(at(https, "other.glimpse.test", "/cat.png"), 1 << 20));
    assertEquals(ErrorCode.URI_FETCH_FAILED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("certificate is not valid"), e.getMessage());
    assertEquals(0, requests.get(), "the request went out over an unverified connection");
  }

  @Test
  void refusesABodyOverTheCapWhetherDeclaredOrNot() {
    var fetcher = fetcher(relaxed());
    for (String path : List.of("/cat.png", "/chunked.png")) {
      var e =
          assertThrows(
              Rejected.class, () -> fetcher.fetch(at(http, "127.0.0.1", path), PNG.length - 1));
      assertEquals(ErrorCode.IMAGE_TOO_LARGE, e.code(), path + ": " + e.getMessage());
    }
    assertArrayEquals(PNG, fetcher.fetch(at(http, "127.0.0.1", "/chunked.png"), PNG.length));
  }

  @Test
  void givesUpOnADrippingBodyAtTheDeadline() {
    var e =
        assertThrows(
            Rejected.class,
            () ->
                fetcher(relaxed(Duration.ofSeconds(1), 2))
                    .fetch(at(http, "127.0.0.1", "/drip.png"), 1 << 20));
    assertEquals(ErrorCode.URI_FETCH_FAILED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("deadline of 1000 ms"), e.getMessage());
  }

  @Test
  void givesUpOnASlowLookupAtTheDeadline() {
    var fetcher = fetcher(relaxed(Duration.ofSeconds(1), 2));
    var e =
        assertThrows(
            Rejected.class,
            () -> fetcher.fetch(at(http, "slow.glimpse.test", "/cat.png"), 1 << 20));
    assertEquals(ErrorCode.URI_FETCH_FAILED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("lookup of slow.glimpse.test"), e.getMessage());
    assertTrue(e.getMessage().contains("deadline of 1000 ms"), e.getMessage());
  }

  @Test
  void appliesOneDeadlineToTheWholeRedirectChain() {
    var fetcher = fetcher(relaxed(Duration.ofSeconds(1), 10));
    var e =
        assertThrows(
            Rejected.class, () -> fetcher.fetch(at(http, "127.0.0.1", "/slow-hop/7"), 1 << 20));
    assertEquals(ErrorCode.URI_FETCH_FAILED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("deadline of 1000 ms"), e.getMessage());
  }

  @Test
  void refusesMoreRedirectsThanAllowed() {
    var e =
        assertThrows(
            Rejected.class,
            () -> fetcher(relaxed()).fetch(at(http, "127.0.0.1", "/loop"), 1 << 20));
    assertEquals(ErrorCode.URI_FETCH_FAILED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("more than 2 redirects"), e.getMessage());
  }

  @Test
  void reportsAMissingImageAsFetchFailed() {
    var e =
        assertThrows(
            Rejected.class,
            () -> fetcher(relaxed()).fetch(at(http, "127.0.0.1", "/nothing-here.png"), 1 << 20));
    assertEquals(ErrorCode.URI_FETCH_FAILED, e.code());
    assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
  }

  // --- policies, the fetcher and the table of names ---

  private static UriPolicy strict() {
    return new UriPolicy(Set.of("http", "https"), Set.of(), false, Duration.ofSeconds(2), 2);
  }

  /** Private addresses allowed: the servers are on loopback. Hosts stay on an allow-list. */
  private static UriPolicy relaxed(Duration deadline, int maxRedirects) {
    return new UriPolicy(
        Set.of("http", "https"),
        Set.of("127.0.0.1", "*.glimpse.test"),
        true,
        deadline,
        maxRedirects);
  }

  /**
   * For fetches that should succeed or fail for another reason than time: a deadline no loaded
   * machine reaches (a first TLS handshake in a busy JVM can take seconds). Deadline tests pass
   * their own.
   */
  private static UriPolicy relaxed() {
    return relaxed(Duration.ofSeconds(30), 2);
  }

  private HttpImageFetcher fetcher(UriPolicy policy) {
    return new HttpImageFetcher(policy, this::lookup, clientTrust());
  }

  /**
   * glimpse.test names: 127.0.0.1 the first time, then a rebinding DNS server's answer;
   * slow.glimpse.test answers after 5 s, if the fetcher still waits.
   */
  private List<InetAddress> lookup(String host) throws UnknownHostException {
    if (!host.endsWith(".glimpse.test")) {
      throw new UnknownHostException(host);
    }
    if (host.equals("slow.glimpse.test")) {
      sleep(5_000);
    }
    int seen = lookups.computeIfAbsent(host, h -> new AtomicInteger()).getAndIncrement();
    return List.of(seen == 0 ? InetAddress.getLoopbackAddress() : CLOSED);
  }

  // --- the servers ---

  private void count(HttpExchange ex) {
    requests.incrementAndGet();
    hostHeaders.add(ex.getRequestHeaders().getFirst("Host"));
  }

  private void answer(HttpExchange ex, byte[] body, long declared) throws IOException {
    count(ex);
    ex.sendResponseHeaders(200, declared);
    try (var out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private void redirect(HttpExchange ex, String location) throws IOException {
    count(ex);
    ex.getResponseHeaders().add("Location", location);
    ex.sendResponseHeaders(302, -1);
    ex.close();
  }

  private static URI at(HttpServer server, String host, String path) {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return URI.create(scheme + "://" + host + ":" + port(server) + path);
  }

  private static int port(HttpServer server) {
    return server.getAddress().getPort();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  // --- TLS: the server's key and the client's trust in it ---

  private static KeyStore keyStore() throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in =
        HttpImageFetcherTest.class.getResourceAsStream("images.glimpse.test.p12")) {
      store.load(in, PASSWORD.toCharArray());
    }
    return store;
  }

  private static SSLContext serverContext() throws IOException, GeneralSecurityException {
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(keyStore(), PASSWORD.toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    return context;
  }

  /** Trusts the test certificate and nothing else. */
  private static X509TrustManager clientTrust() {
    try {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      trusted.setCertificateEntry("images", keyStore().getCertificate("server"));
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trusted);
      return (X509TrustManager) factory.getTrustManagers()[0];
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the test certificate", e);
    }
  }

  /** Records the server name each client asks for (SNI) and accepts it. */
  private static final class RecordingSni extends HttpsConfigurator {
    private final List<String> names;

    RecordingSni(SSLContext context, List<String> names) {
      super(context);
      this.names = names;
    }

    @Override
    public void configure(HttpsParameters params) {
      SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
      parameters.setSNIMatchers(
          List.of(
              new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
                @Override
                public boolean matches(SNIServerName name) {
                  names.add(new SNIHostName(name.getEncoded()).getAsciiName());
                  return true;
                }
              }));
      params.setSSLParameters(parameters);
    }
  }
}
