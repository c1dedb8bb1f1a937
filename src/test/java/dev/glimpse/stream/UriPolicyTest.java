package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.ErrorCode;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The policy alone: IP literals need no lookup, and names resolve through a fixed table. */
class UriPolicyTest {
  private static final UriPolicy.Resolver NO_LOOKUPS =
      host -> {
        throw new AssertionError("looked up " + host);
      };

  private static Rejected refused(String uri) {
    return assertThrows(
        Rejected.class, () -> UriPolicy.defaults().check(URI.create(uri), NO_LOOKUPS));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://0.0.0.0/a.png",
        "http://0.1.2.3/a.png",
        "http://10.1.2.3/a.png",
        "http://100.64.0.1/a.png",
        "http://100.127.255.255/a.png",
        "http://127.0.0.1/a.png",
        "http://127.255.0.1/a.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://172.16.0.1/a.png",
        "http://172.31.255.255/a.png",
        "http://192.0.0.8/a.png",
        "http://192.0.2.1/a.png",
        "http://192.88.99.1/a.png",
        "http://192.168.1.1/a.png",
        "http://198.18.0.1/a.png",
        "http://198.19.255.255/a.png",
        "http://198.51.100.7/a.png",
        "http://203.0.113.9/a.png",
        "http://224.0.0.1/a.png",
        "http://239.255.255.250/a.png",
        "http://240.0.0.1/a.png",
        "http://255.255.255.255/a.png"
      })
  void refusesEveryIpv4SpecialPurposeBlock(String uri) {
    var e = refused(uri);
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("Send the image inline"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://[::]/a.png",
        "http://[::1]/a.png",
        "http://[::ffff:127.0.0.1]/a.png", // IPv4-mapped
        "http://[::ffff:a9fe:a9fe]/a.png",
        "http://[::127.0.0.1]/a.png", // IPv4-compatible
        "http://[::a9fe:a9fe]/a.png",
        "http://[::ffff:0:7f00:1]/a.png", // IPv4-translated, RFC 2765
        "http://[64:ff9b::a9fe:a9fe]/a.png", // NAT64 to 169.254.169.254
        "http://[64:ff9b::808:808]/a.png", // NAT64 even to a public IPv4 address
        "http://[64:ff9b:1::a00:1]/a.png",
        "http://[100::1]/a.png",
        "http://[2001::1]/a.png", // Teredo
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/a.png",
        "http://[2001:2::1]/a.png", // benchmarking
        "http://[2001:db8::1]/a.png", // documentation
        "http://[2002:a9fe:a9fe::1]/a.png", // 6to4 around 169.254.169.254
        "http://[2002:808:808::1]/a.png", // 6to4 is refused whole, public IPv4 inside or not
        "http://[3fff::1]/a.png",
        "http://[5f00::1]/a.png",
        "http://[fc00::1]/a.png",
        "http://[fd00:ec2::254]/a.png", // the AWS metadata service over IPv6
        "http://[fe80::1]/a.png",
        "http://[febf::1]/a.png",
        "http://[fec0::1]/a.png",
        "http://[ff02::1]/a.png",
        "http://[ff0e::1]/a.png",
        "http://[4000::1]/a.png", // reserved by IETF: outside global unicast 2000::/3
        "http://[e000::1]/a.png"
      })
  void refusesIpv6FormsThatReachIpv4OrInternalRanges(String uri) {
    var e = refused(uri);
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code(), e.getMessage());
  }

  @Test
  void namesTheBlockThatRefusedTheAddress() {
    assertTrue(
        refused("http://[64:ff9b::a9fe:a9fe]/").getMessage().contains("64:ff9b::/96 (NAT64"),
        refused("http://[64:ff9b::a9fe:a9fe]/").getMessage());
    assertTrue(
        refused("http://169.254.169.254/").getMessage().contains("169.254.0.0/16"),
        refused("http://169.254.169.254/").getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://2130706433/a.png",
        "http://0x7f.1/a.png",
        "http://0x7f000001/a.png",
        "http://127.1/a.png",
        "http://0177.0.0.1/a.png", // octal 127.0.0.1 to glibc and browsers, 177.0.0.1 to the JDK
        "http://127.0.0.01/a.png",
        "http://127.000.000.001/a.png",
        "http://8.8.8.010/a.png",
        "http://0/a.png",
        "http://1.2.3.4.5/a.png",
        "http://256.1.1.1/a.png",
        "http://127.0.0.1./a.png",
        "http://images.example.0x10/a.png"
      })
  void refusesIpv4SpellingsOtherThanFourDecimalNumbers(String uri) {
    var e = refused(uri);
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code(), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://8.8.8.8/a.png",
        "http://1.1.1.1/a.png",
        "http://11.0.0.1/a.png",
        "http://100.63.255.255/a.png",
        "http://100.128.0.1/a.png",
        "http://172.15.255.255/a.png",
        "http://172.32.0.1/a.png",
        "http://192.0.1.1/a.png",
        "http://198.17.255.255/a.png",
        "http://198.20.0.1/a.png",
        "http://223.255.255.254/a.png",
        "http://[2606:4700:4700::1111]/a.png",
        "http://[2a00:1450:4001:80b::200e]/a.png",
        "http://[2001:200::1]/a.png", // a regional registry's block, just past 2001::/23
        "http://[2003::1]/a.png"
      })
  void allowsGlobalAddressesWithoutALookup(String uri) {
    var target = UriPolicy.defaults().check(URI.create(uri), NO_LOOKUPS);
    assertEquals(1, target.addresses().size());
    assertEquals(80, target.port());
  }

  @Test
  void checksEveryAddressTheHostResolvesTo() {
    UriPolicy.Resolver table =
        host -> List.of(InetAddress.getByName("8.8.8.8"), InetAddress.getByName("10.0.0.7"));
    var e =
        assertThrows(
            Rejected.class,
            () -> UriPolicy.defaults().check(URI.create("https://images.example/a.png"), table));
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code());
    assertTrue(
        e.getMessage().contains("images.example resolves to the address 10.0.0.7"), e.getMessage());
  }

  @Test
  void returnsTheAddressesItCheckedForTheFetcherToConnectTo() throws UnknownHostException {
    var addresses =
        List.of(InetAddress.getByName("8.8.8.8"), InetAddress.getByName("2606:4700::1111"));
    var target =
        UriPolicy.defaults().check(URI.create("https://Images.Example:8443/a.png"), h -> addresses);
    assertEquals(new UriPolicy.Target("https", "images.example", 8443, addresses), target);
  }

  @Test
  void reportsAHostThatDoesNotResolveAsFetchFailed() {
    UriPolicy.Resolver nothing =
        host -> {
          throw new UnknownHostException(host);
        };
    var e =
        assertThrows(
            Rejected.class,
            () -> UriPolicy.defaults().check(URI.create("http://nowhere.example/"), nothing));
    assertEquals(ErrorCode.URI_FETCH_FAILED, e.code());
  }

  @Test
  void refusesUserInfoBeforeTheHost() {
    var e = refused("http://images.example@8.8.8.8/a.png");
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code());
    assertTrue(e.getMessage().contains("user info"), e.getMessage());
  }

  @Test
  void refusesAnIpv6Zone() {
    assertEquals(ErrorCode.URI_NOT_ALLOWED, refused("http://[fe80::1%25eth0]/a.png").code());
  }

  @Test
  void refusesLocalhostByItsAddress() {
    var e =
        assertThrows(
            Rejected.class, () -> UriPolicy.defaults().check(URI.create("http://localhost/a")));
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code(), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"file:///etc/passwd", "ftp://example.com/a.png", "gopher://x/", "/relative.png"})
  void refusesSchemesOtherThanHttp(String uri) {
    assertEquals(ErrorCode.URI_NOT_ALLOWED, refused(uri).code());
  }

  @Test
  void refusesHostsOffTheAllowList() {
    var policy =
        new UriPolicy(Set.of("https"), Set.of("*.images.example"), false, Duration.ofSeconds(1), 0);
    var e =
        assertThrows(
            Rejected.class,
            () -> policy.check(URI.create("https://evil.example/a.png"), NO_LOOKUPS));
    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code());
    assertTrue(e.getMessage().contains("allow-list"));
  }

  @Test
  void allowsLoopbackOnlyWhenConfigured() {
    var relaxed = new UriPolicy(Set.of("http"), Set.of(), true, Duration.ofSeconds(1), 0);
    assertEquals(
        List.of(InetAddress.getLoopbackAddress()),
        relaxed.check(URI.create("http://127.0.0.1:8080/a.png"), NO_LOOKUPS).addresses());
    assertEquals(ErrorCode.URI_NOT_ALLOWED, refused("http://127.0.0.1:8080/a.png").code());
  }
}
