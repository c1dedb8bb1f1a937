package dev.glimpse.ops;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A container healthcheck without curl or wget in the image: {@code java -cp glimpse.jar
 * dev.glimpse.ops.HealthProbe http://127.0.0.1:8080/health/ready} exits 0 on a 200 and 1 otherwise
 * (a 503, no answer within 5 s, nothing listening), printing why.
 */
public final class HealthProbe {
  private HealthProbe() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println(
          "HEALTH_PROBE_USAGE: give one URL, e.g. http://127.0.0.1:8080/health/ready");
      System.exit(2);
    }
    System.exit(probe(args[0]));
  }

  /** 0 when {@code url} answers 200, else 1. */
  static int probe(String url) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200) {
        return 0;
      }
      System.err.println(
          "HEALTH_PROBE_DOWN: "
              + url
              + " answered "
              + response.statusCode()
              + ": "
              + response.body().strip());
    } catch (IOException | IllegalArgumentException e) {
      System.err.println(
          "HEALTH_PROBE_UNREACHABLE: "
              + url
              + " did not answer ("
              + e
              + "); is the process up"
              + " with --http-port?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 1;
  }
}
