package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;

/**
 * Fetches images over http(s) with OkHttp, following redirects by hand.
 *
 * <p>Each hop is checked by the {@link UriPolicy}, which resolves its host once; the connection is
 * then pinned to the addresses that passed (OkHttp's {@link Dns} hook answers with them and nothing
 * else), so a DNS server that answers differently the second time gets no second question. TLS
 * still sends the URI's host name as SNI and verifies the certificate against it: only the address
 * lookup is replaced.
 *
 * <p>One deadline bounds the whole fetch: lookups, every redirect hop and the body read. The body
 * is refused as soon as it passes the size cap, whether or not a Content-Length announced it.
 */
public final class HttpImageFetcher implements ImageFetcher {
  private static final int CHUNK = 64 << 10;

  private final UriPolicy policy;
  private final UriPolicy.Resolver resolver;
  private final OkHttpClient client;
  // lookups are blocking and cannot be given a timeout, so they run here while fetch() waits at
  // most until the deadline; daemon threads, because nothing closes a fetcher
  private final ExecutorService lookups =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "glimpse-uri-lookup");
            thread.setDaemon(true);
            return thread;
          });

  public HttpImageFetcher(UriPolicy policy) {
    this(policy, UriPolicy.Resolver.SYSTEM, platformTrust());
  }

  /** With a resolver and trusted certificates of the caller's (tests: names on loopback). */
  HttpImageFetcher(UriPolicy policy, UriPolicy.Resolver resolver, X509TrustManager trust) {
    this.policy = policy;
    this.resolver = resolver;
    this.client =
        new OkHttpClient.Builder()
            .proxy(Proxy.NO_PROXY) // a proxy would resolve the host itself, unchecked
            .followRedirects(false)
            .followSslRedirects(false)
            .retryOnConnectionFailure(false)
            .sslSocketFactory(tls(trust).getSocketFactory(), trust)
            .build();
  }

  @Override
  public byte[] fetch(URI uri, long maxBytes) {
    long end = System.nanoTime() + policy.deadline().toNanos();
    URI next = uri;
    for (int hop = 0; hop <= policy.maxRedirects(); hop++) {
      UriPolicy.Target target = check(uri, next, end);
      HttpUrl url = agreeingUrl(next, target);
      Duration left = remaining(uri, end);
      OkHttpClient pinned =
          client
              .newBuilder()
              .dns(new PinnedDns(url.host(), target.addresses()))
              .callTimeout(left)
              .connectTimeout(left)
              .readTimeout(left)
              .writeTimeout(left)
              .build();
      Request request =
          new Request.Builder()
              .url(url)
              .header("Accept", "image/*")
              .header("User-Agent", "glimpse-ingest")
              .get()
              .build();
      try (Response response = pinned.newCall(request).execute()) {
        int status = response.code();
        if (status == 200) {
          return body(uri, response.body(), maxBytes);
        }
        if (!response.isRedirect()) {
          throw failed(uri, "the server answered HTTP " + status);
        }
        next = redirect(uri, next, response);
      } catch (IOException e) {
        throw failed(uri, end, e);
      }
    }
    throw failed(uri, "more than " + policy.maxRedirects() + " redirects");
  }

  /** The policy's check, its host lookup given no more than the time left. */
  private UriPolicy.Target check(URI original, URI hop, long end) {
    Duration left = remaining(original, end);
    Future<UriPolicy.Target> checked = lookups.submit(() -> policy.check(hop, resolver));
    try {
      return checked.get(left.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      checked.cancel(true);
      throw failed(original, "no answer to the lookup of " + hop.getHost() + " " + pastDeadline());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Rejected rejected) {
        throw rejected;
      }
      throw failed(original, describe(e.getCause()));
    } catch (InterruptedException e) {
      checked.cancel(true);
      Thread.currentThread().interrupt();
      throw failed(original, "interrupted");
    }
  }

  /**
   * OkHttp's reading of the hop; refused unless it names the scheme, host and port that were
   * checked, so that no difference between two URL parsers can reach an unchecked host.
   */
  private static HttpUrl agreeingUrl(URI hop, UriPolicy.Target target) {
    HttpUrl url = HttpUrl.parse(hop.toASCIIString());
    if (url == null
        || !url.scheme().equals(target.scheme())
        || url.port() != target.port()
        || !sameHost(url.host(), target.host())) {
      throw new Rejected(
          ErrorCode.URI_NOT_ALLOWED,
          "ingest cannot request "
              + hop
              + ": its host reads differently to the HTTP client ("
              + (url == null ? "not a URL" : url.host())
              + " against "
              + target.host()
              + "); write the URI with a plain host name or IP address");
    }
    return url;
  }

  private static boolean sameHost(String okHttpHost, String checkedHost) {
    if (okHttpHost.equals(checkedHost)) {
      return true;
    }
    if (!okHttpHost.contains(":") || !checkedHost.contains(":")) {
      return false;
    }
    try { // IPv6 literals, which each side may spell in its own canonical form
      return InetAddress.getByName(okHttpHost).equals(InetAddress.getByName(checkedHost));
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static URI redirect(URI original, URI hop, Response response) {
    String location = response.header("Location");
    if (location == null) {
      throw failed(original, "redirect " + response.code() + " without a Location");
    }
    try {
      return hop.resolve(new URI(location));
    } catch (URISyntaxException e) {
      throw failed(
          original,
          "redirect "
              + response.code()
              + " to '"
              + location
              + "', which is not a URI ("
              + e.getReason()
              + ")");
    }
  }

  /** Reads the body while counting: a server may send more than its Content-Length said. */
  private static byte[] body(URI uri, ResponseBody body, long maxBytes) throws IOException {
    if (body.contentLength() > maxBytes) {
      throw tooLarge(uri, maxBytes);
    }
    BufferedSource source = body.source();
    Buffer out = new Buffer();
    while (source.read(out, CHUNK) != -1) {
      if (out.size() > maxBytes) {
        throw tooLarge(uri, maxBytes);
      }
    }
    return out.readByteArray();
  }

  private Duration remaining(URI original, long end) {
    long left = end - System.nanoTime();
    if (left < TimeUnit.MILLISECONDS.toNanos(1)) {
      throw failed(original, "no complete answer " + pastDeadline());
    }
    // OkHttp counts whole milliseconds: round up, so that no timeout fires before the deadline
    return Duration.ofMillis((left + 999_999) / 1_000_000);
  }

  private String pastDeadline() {
    return "within the fetch deadline of "
        + policy.deadline().toMillis()
        + " ms (glimpse.uri.deadline.ms), redirects and body included";
  }

  private Rejected failed(URI uri, long end, IOException e) {
    // every OkHttp timeout is set to the time left, so any timeout (SocketTimeoutException, or
    // "timeout" once the call is cancelled) is the deadline; after it, other errors may follow
    boolean timedOut =
        e instanceof InterruptedIOException && !Thread.currentThread().isInterrupted();
    if (timedOut || System.nanoTime() - end >= 0) {
      return failed(uri, "no complete answer " + pastDeadline());
    }
    if (e instanceof SSLPeerUnverifiedException) {
      return failed(uri, "its TLS certificate is not valid for the host (" + describe(e) + ")");
    }
    if (e instanceof SSLException) {
      return failed(uri, "the TLS handshake failed (" + describe(e) + ")");
    }
    return failed(uri, describe(e));
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static Rejected failed(URI uri, String why) {
    return new Rejected(
        ErrorCode.URI_FETCH_FAILED,
        "could not fetch "
            + uri
            + " ("
            + why
            + "): check that it serves the image, or send the image inline");
  }

  private static Rejected tooLarge(URI uri, long maxBytes) {
    return new Rejected(
        ErrorCode.IMAGE_TOO_LARGE,
        "the image at " + uri + " is larger than " + maxBytes + " bytes: send a smaller file");
  }

  /**
   * Answers for the one host that was checked, with the addresses that passed. A record, so that
   * OkHttp's pool reuses a connection only for the same host and the same checked addresses.
   */
  private record PinnedDns(String host, List<InetAddress> addresses) implements Dns {
    PinnedDns {
      addresses = List.copyOf(addresses);
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
      if (!hostname.toLowerCase(Locale.ROOT).equals(host)) {
        throw new UnknownHostException(
            "ingest checked " + host + ", not " + hostname + ": refusing to look it up");
      }
      return addresses;
    }
  }

  private static X509TrustManager platformTrust() {
    try {
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK offers no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the JDK's trusted certificates", e);
    }
  }

  private static SSLContext tls(X509TrustManager trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS", e);
    }
  }
}
