package dev.glimpse.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The container healthcheck's probe, against a real server on 127.0.0.1. */
class HealthProbeTest {
  @Test
  void exitsZeroOnlyWhileTheProcessIsReady() {
    AtomicBoolean ready = new AtomicBoolean(false);
    Health health =
        new Health()
            .check(
                "worker",
                () ->
                    ready.get()
                        ? Health.Status.up("assigned")
                        : Health.Status.down("no partitions"));
    try (Metrics metrics = new Metrics();
        OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, health)) {
      String url = server.url() + "health/ready";
      assertEquals(1, HealthProbe.probe(url));
      ready.set(true);
      assertEquals(0, HealthProbe.probe(url));
    }
  }

  @Test
  void exitsOneWhenNothingListens() {
    int port;
    try (Metrics metrics = new Metrics();
        OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, new Health())) {
      port = server.port();
    }
    assertEquals(1, HealthProbe.probe("http://127.0.0.1:" + port + "/health/ready"));
  }
}
