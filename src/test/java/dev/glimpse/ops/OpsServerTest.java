package dev.glimpse.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The ops endpoints over real HTTP on 127.0.0.1. */
class OpsServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void readinessIs503WithTheFailingCheckNamedUntilEveryCheckIsUp() throws Exception {
    AtomicBoolean assigned = new AtomicBoolean(false);
    Health health =
        new Health()
            .check("streams", () -> Health.Status.up("streams RUNNING"))
            .check(
                "worker",
                () ->
                    assigned.get()
                        ? Health.Status.up("1 partition(s) assigned")
                        : Health.Status.down("no partitions assigned yet"));
    try (Metrics metrics = new Metrics();
        OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, health)) {
      HttpResponse<String> before = OpsHttp.get(server.url(), "/health/ready");
      assertEquals(503, before.statusCode());
      JsonNode body = JSON.readTree(before.body());
      assertEquals("DOWN", body.get("status").asText());
      assertEquals("UP", body.at("/checks/streams/status").asText());
      assertEquals("no partitions assigned yet", body.at("/checks/worker/detail").asText());

      assigned.set(true);
      HttpResponse<String> after = OpsHttp.get(server.url(), "/health/ready");
      assertEquals(200, after.statusCode());
      assertEquals("UP", JSON.readTree(after.body()).get("status").asText());
      assertEquals("application/json", after.headers().firstValue("Content-Type").orElseThrow());
    }
  }

  @Test
  void livenessIs200WhileReadinessIsDown() throws Exception {
    Health health = new Health().check("model", () -> Health.Status.down("loading the model"));
    try (Metrics metrics = new Metrics();
        OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, health)) {
      HttpResponse<String> live = OpsHttp.get(server.url(), "/health/live");
      assertEquals(200, live.statusCode());
      assertEquals("UP", JSON.readTree(live.body()).get("status").asText());
      assertEquals(503, OpsHttp.get(server.url(), "/health/ready").statusCode());
    }
  }

  @Test
  void aProcessWithNoReadinessChecksIsNotReady() {
    try (Metrics metrics = new Metrics();
        OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, new Health())) {
      assertEquals(503, OpsHttp.get(server.url(), "/health/ready").statusCode());
    }
  }

  @Test
  void aCheckThatThrowsIsDownWithItsError() throws Exception {
    Health health =
        new Health()
            .check(
                "worker",
                () -> {
                  throw new IllegalStateException("boom");
                });
    try (Metrics metrics = new Metrics();
        OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, health)) {
      HttpResponse<String> ready = OpsHttp.get(server.url(), "/health/ready");
      assertEquals(503, ready.statusCode());
      assertTrue(
          JSON.readTree(ready.body()).at("/checks/worker/detail").asText().contains("boom"),
          ready.body());
    }
  }

  @Test
  void metricsAreServedInThePrometheusTextFormatWithTheJvmBinders() {
    try (Metrics metrics = new Metrics();
        OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, new Health())) {
      Counter.builder("glimpse.test.things").register(metrics.registry()).increment(3);
      HttpResponse<String> scrape = OpsHttp.get(server.url(), "/metrics");
      assertEquals(200, scrape.statusCode());
      assertTrue(
          scrape
              .headers()
              .firstValue("Content-Type")
              .orElseThrow()
              .startsWith("text/plain; version=0.0.4"));
      Scrape parsed = Scrape.parse(scrape.body());
      assertEquals(3.0, parsed.value("glimpse_test_things_total"));
      assertTrue(parsed.names().contains("jvm_memory_used_bytes"), "JVM memory binder");
      assertTrue(parsed.names().contains("jvm_threads_live_threads"), "JVM thread binder");
      assertTrue(parsed.names().contains("process_uptime_seconds"), "uptime binder");
    }
  }

  @Test
  void anAddedRouteIsServedAndListedAtTheRoot() throws Exception {
    try (Metrics metrics = new Metrics();
        OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, new Health())) {
      server.route(
          "/view/",
          exchange -> OpsServer.send(exchange, 200, "text/html; charset=utf-8", "<p>live</p>"));
      assertEquals("<p>live</p>", OpsHttp.get(server.url(), "/view/").body());
      JsonNode index = JSON.readTree(OpsHttp.get(server.url(), "/").body());
      assertEquals(
          JSON.readTree("[\"/\",\"/health/live\",\"/health/ready\",\"/metrics\",\"/view/\"]"),
          index.get("routes"));
      assertThrows(IllegalArgumentException.class, () -> server.route("/metrics", exchange -> {}));
    }
  }

  @Test
  void unknownPathsAre404AndOtherMethodsAre405() throws Exception {
    try (Metrics metrics = new Metrics();
        OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, new Health())) {
      HttpResponse<String> missing = OpsHttp.get(server.url(), "/nothing-here");
      assertEquals(404, missing.statusCode());
      assertEquals("OPS_HTTP_NOT_FOUND", JSON.readTree(missing.body()).get("error").asText());
      assertEquals(404, OpsHttp.get(server.url(), "/metrics/more").statusCode());
      HttpResponse<String> post =
          OpsHttp.send(
              HttpRequest.newBuilder(URI.create(server.url() + "metrics"))
                  .POST(HttpRequest.BodyPublishers.ofString("x"))
                  .build());
      assertEquals(405, post.statusCode());
      assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
    }
  }

  @Test
  void aTakenPortIsRefusedWithItsCode() {
    try (Metrics metrics = new Metrics();
        OpsServer first = OpsServer.start("127.0.0.1", 0, metrics, new Health())) {
      OpsServer.OpsServerException e =
          assertThrows(
              OpsServer.OpsServerException.class,
              () -> OpsServer.start("127.0.0.1", first.port(), metrics, new Health()));
      assertEquals("OPS_HTTP_BIND", e.code());
      assertTrue(e.getMessage().contains("--http-port"), e.getMessage());
    }
  }

  @Test
  void itBindsTheLoopbackAddressItWasGiven() {
    try (Metrics metrics = new Metrics();
        OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, new Health())) {
      assertEquals("http://127.0.0.1:" + server.port() + "/", server.url());
    }
  }
}
