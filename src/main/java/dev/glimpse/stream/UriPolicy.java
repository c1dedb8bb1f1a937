package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which image URIs ingest may fetch. Checked before connecting: the scheme and host against the
 * allow-lists, then every address the host resolves to. Loopback, link-local (cloud metadata at
 * 169.254.169.254), private, carrier-grade NAT, unique-local, multicast and unspecified addresses
 * are refused unless {@code allowPrivateAddresses}.
 *
 * @param schemes allowed schemes, lower case (http, https)
 * @param hosts allowed hosts; empty: any host. {@code *.example.com} allows sub-domains
 * @param timeout connect + whole-response time limit of one fetch
 * @param maxRedirects redirects followed, each checked against this policy again
 */
public record UriPolicy(
    Set<String> schemes,
    Set<String> hosts,
    boolean allowPrivateAddresses,
    Duration timeout,
    int maxRedirects) {
  public UriPolicy {
    schemes = Set.copyOf(schemes);
    hosts = Set.copyOf(hosts);
  }

  public static UriPolicy defaults() {
    return new UriPolicy(Set.of("http", "https"), Set.of(), false, Duration.ofSeconds(5), 3);
  }

  /** Refuses the URI with URI_NOT_ALLOWED, or returns the addresses it may connect to. */
  public List<InetAddress> check(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!schemes.contains(scheme)) {
      throw refuse(uri, "scheme '" + scheme + "' is not one of " + schemes);
    }
    String host = uri.getHost();
    if (host == null || host.isBlank()) {
      throw refuse(uri, "it has no host");
    }
    host = host.toLowerCase(Locale.ROOT);
    if (!hosts.isEmpty() && !hostAllowed(host)) {
      throw refuse(uri, "host " + host + " is not on the allow-list");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new Rejected(
          ErrorCode.URI_FETCH_FAILED,
          "the host of " + uri + " does not resolve: check the URI or send the image inline");
    }
    if (!allowPrivateAddresses) {
      for (InetAddress address : addresses) {
        if (isInternal(address)) {
          throw refuse(
              uri,
              host + " resolves to the internal address " + address.getHostAddress());
        }
      }
    }
    return List.of(addresses);
  }

  private boolean hostAllowed(String host) {
    for (String allowed : hosts) {
      String a = allowed.toLowerCase(Locale.ROOT);
      if (a.equals(host) || (a.startsWith("*.") && host.endsWith(a.substring(1)))) {
        return true;
      }
    }
    return false;
  }

  /** True for addresses that reach this machine, its network or the cloud metadata service. */
  static boolean isInternal(InetAddress address) {
    if (address.isAnyLocalAddress()
        || address.isLoopbackAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isMulticastAddress()) {
      return true;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first == 0 // "this network"
          || (first == 100 && second >= 64 && second <= 127) // carrier-grade NAT
          || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
          || (first == 198 && (second == 18 || second == 19)) // benchmarking
          || first >= 240; // reserved, broadcast
    }
    if (address instanceof Inet6Address) {
      if ((b[0] & 0xfe) == 0xfc) {
        return true; // unique local fc00::/7
      }
      boolean v4Mapped = true;
      for (int i = 0; i < 10; i++) {
        v4Mapped &= b[i] == 0;
      }
      if (v4Mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
        try {
          return isInternal(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (UnknownHostException e) {
          return true;
        }
      }
    }
    return false;
  }

  private static Rejected refuse(URI uri, String why) {
    return new Rejected(
        ErrorCode.URI_NOT_ALLOWED,
        "ingest will not fetch " + uri + ": " + why
            + ". Send the image inline, or ask the operator to allow this source");
  }
}
