package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches images over http(s) with java.net.http. The {@link UriPolicy} is checked before every
 * connection (redirects are followed by hand, each hop checked again); each hop, body included,
 * must finish within the policy's timeout (a server that drips bytes is cut off); the body is
 * refused as soon as it passes the size cap, whether or not a Content-Length announced it.
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
            .connectTimeout(policy.deadline())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public byte[] fetch(URI uri, long maxBytes) {
    URI next = uri;
    for (int hop = 0; hop <= policy.maxRedirects(); hop++) {
      policy.check(next);
      HttpResponse<byte[]> response = send(uri, next, maxBytes);
      int status = response.statusCode();
      if (status >= 300 && status < 400) {
        String location =
            response
                .headers()
                .firstValue("location")
                .orElseThrow(() -> failed(uri, "redirect " + status + " without a Location"));
        next = next.resolve(location);
        continue;
      }
      if (status != 200) {
        throw failed(uri, "the server answered HTTP " + status);
      }
      return response.body();
    }
    throw failed(uri, "more than " + policy.maxRedirects() + " redirects");
  }

  private HttpResponse<byte[]> send(URI original, URI hop, long maxBytes) {
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(hop)
              .timeout(policy.deadline())
              .header("Accept", "image/*")
              .GET()
              .build();
    } catch (IllegalArgumentException e) {
      throw new Rejected(
          ErrorCode.URI_NOT_ALLOWED,
          "ingest cannot request " + hop + " (" + e.getMessage() + "): send an http(s) URL");
    }
    CompletableFuture<HttpResponse<byte[]>> pending =
        client.sendAsync(
            request,
            info ->
                info.statusCode() == 200
                    ? new CappedBody(original, maxBytes)
                    : BodySubscribers.replacing(new byte[0]));
    try {
      return pending.get(policy.deadline().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw failed(original, "no complete answer within " + policy.deadline().toMillis() + " ms");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Rejected rejected) {
        throw rejected;
      }
      throw failed(original, String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw failed(original, "interrupted");
    }
  }

  /** Collects the body, cancelling the download as soon as it passes the cap. */
  private static final class CappedBody implements BodySubscriber<byte[]> {
    private final URI uri;
    private final long maxBytes;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private Flow.Subscription subscription;

    CappedBody(URI uri, long maxBytes) {
      this.uri = uri;
      this.maxBytes = maxBytes;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer buffer : buffers) {
        if (out.size() + (long) buffer.remaining() > maxBytes) {
          subscription.cancel();
          body.completeExceptionally(tooLarge(uri, maxBytes));
          return;
        }
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        out.writeBytes(chunk);
      }
    }

    @Override
    public void onError(Throwable error) {
      body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      body.complete(out.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }
  }

  private static Rejected failed(URI uri, String why) {
    return new Rejected(
        ErrorCode.URI_FETCH_FAILED,
        "could not fetch " + uri + " (" + why
            + "): check that it serves the image, or send the image inline");
  }

  private static Rejected tooLarge(URI uri, long maxBytes) {
    return new Rejected(
        ErrorCode.IMAGE_TOO_LARGE,
        "the image at " + uri + " is larger than " + maxBytes + " bytes: send a smaller file");
  }
}
