package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.ErrorCode;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UriPolicyTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1/a.png",
        "http://localhost/a.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/a.png",
        "http://172.16.0.1/a.png",
        "http://192.168.1.1/a.png",
        "http://100.64.0.1/a.png",
        "http://0.0.0.0/a.png",
        "http://[::1]/a.png",
        "http://[fd00::1]/a.png",
        "http://[fe80::1]/a.png",
        "http://[::ffff:127.0.0.1]/a.png",
        "http://2130706433/a.png"
      })
  void refusesAddressesInsideTheNetwork(String uri) {
    var e = assertThrows(Rejected.class, () -> UriPolicy.defaults().check(URI.create(uri)));
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("Send the image inline"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"file:///etc/passwd", "ftp://example.com/a.png", "gopher://x/", "/relative.png"})
  void refusesSchemesOtherThanHttp(String uri) {
    var e = assertThrows(Rejected.class, () -> UriPolicy.defaults().check(URI.create(uri)));
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code());
  }

  @Test
  void refusesHostsOffTheAllowList() {
    var policy = new UriPolicy(Set.of("https"), Set.of("*.images.example"), false, Duration.ofSeconds(1), 0);
    var e = assertThrows(Rejected.class, () -> policy.check(URI.create("https://evil.example/a.png")));
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code());
    assertTrue(e.getMessage().contains("allow-list"));
  }

  @Test
  void allowsLoopbackOnlyWhenConfigured() {
    var policy = new UriPolicy(Set.of("http"), Set.of(), true, Duration.ofSeconds(1), 0);
    assertEquals(1, policy.check(URI.create("http://127.0.0.1:8080/a.png")).size());
  }
}
