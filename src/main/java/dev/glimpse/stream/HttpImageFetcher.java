package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Fetches images over http(s) with java.net.http: the {@link UriPolicy} is checked before every
 * connection (redirects are followed by hand, each hop checked again), the whole fetch has a time
 * limit and the body a size cap.
 *
 * <p>Known gap: the HTTP client resolves the host again when it connects, so a DNS server that
 * answers differently the second time (rebinding) is not caught here; block internal ranges at
 * the network too.
 */
public final class HttpImageFetcher implements ImageFetcher {
  private final UriPolicy policy;
  private final HttpClient client;

  public HttpImageFetcher(UriPolicy policy) {
    this.policy = policy;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(policy.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public byte[] fetch(URI uri, long maxBytes) {
    URI next = uri;
    for (int hop = 0; hop <= policy.maxRedirects(); hop++) {
      policy.check(next);
      HttpResponse<InputStream> response = send(next);
      int status = response.statusCode();
      if (status >= 300 && status < 400) {
        String location = response.headers().firstValue("location").orElse(null);
        close(response);
        if (location == null) {
          throw failed(uri, "redirect " + status + " without a Location header");
        }
        next = next.resolve(location);
        continue;
      }
      if (status != 200) {
        close(response);
        throw failed(uri, "the server answered HTTP " + status);
      }
      long declared = response.headers().firstValueAsLong("content-length").orElse(-1);
      if (declared > maxBytes) {
        close(response);
        throw tooLarge(uri, maxBytes);
      }
      return readCapped(uri, response.body(), maxBytes);
    }
    throw failed(uri, "more than " + policy.maxRedirects() + " redirects");
  }

  private HttpResponse<InputStream> send(URI uri) {
    HttpRequest request =
        HttpRequest.newBuilder(uri).timeout(policy.timeout()).GET().header("Accept", "image/*").build();
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw failed(uri, e.getClass().getSimpleName() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed(uri, "interrupted");
    }
  }

  private static byte[] readCapped(URI uri, InputStream body, long maxBytes) {
    try (body) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = body.read(buffer)) != -1) {
        if (out.size() + (long) n > maxBytes) {
          throw tooLarge(uri, maxBytes);
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw failed(uri, "reading the body: " + e.getMessage());
    }
  }

  private static void close(HttpResponse<InputStream> response) {
    try {
      response.body().close();
    } catch (IOException e) {
      // the response is discarded anyway
    }
  }

  private static Rejected failed(URI uri, String why) {
    return new Rejected(
        ErrorCode.URI_FETCH_FAILED,
        "could not fetch " + uri + " (" + why + "): check that it serves the image, or send it inline");
  }

  private static Rejected tooLarge(URI uri, long maxBytes) {
    return new Rejected(
        ErrorCode.IMAGE_TOO_LARGE,
        "the image at " + uri + " is larger than " + maxBytes + " bytes: send a smaller file");
  }
}
