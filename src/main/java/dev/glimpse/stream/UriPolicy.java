package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which image URIs ingest may fetch. Checked before connecting: the scheme and host against the
 * allow-lists, then every address the host resolves to against {@link SpecialAddresses} (loopback,
 * private, link-local with the cloud metadata service, every IPv6 form that reaches IPv4, ...)
 * unless {@code allowPrivateAddresses}. The addresses that passed are returned so that the fetcher
 * connects to them and nothing else: resolving again would let a DNS server answer differently the
 * second time (rebinding).
 *
 * @param schemes allowed schemes, lower case (http, https)
 * @param hosts allowed hosts; empty: any host. {@code *.example.com} allows sub-domains
 * @param allowPrivateAddresses true skips the address check (tests, or a closed network)
 * @param deadline the whole fetch: every lookup, redirect and the body read together
 * @param maxRedirects redirects followed, each checked against this policy again
 */
public record UriPolicy(
    Set<String> schemes,
    Set<String> hosts,
    boolean allowPrivateAddresses,
    Duration deadline,
    int maxRedirects) {

  /** Host name lookup; {@link #SYSTEM} in production, a fixed table in tests. */
  @FunctionalInterface
  public interface Resolver {
    Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /**
   * Where a checked URI may be fetched from.
   *
   * @param host lower case; an IP literal without brackets
   * @param addresses every address the host stands for, each one checked
   */
  public record Target(String scheme, String host, int port, List<InetAddress> addresses) {
    public Target {
      addresses = List.copyOf(addresses);
    }
  }

  public UriPolicy {
    schemes = Set.copyOf(schemes);
    hosts = Set.copyOf(hosts);
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException(
          "the URI fetch deadline must be positive, not " + deadline.toMillis() + " ms");
    }
    if (maxRedirects < 0) {
      throw new IllegalArgumentException(
          "the URI redirect limit must be 0 or more, not " + maxRedirects);
    }
  }

  public static UriPolicy defaults() {
    return new UriPolicy(Set.of("http", "https"), Set.of(), false, Duration.ofSeconds(3), 3);
  }

  /** {@link #check(URI, Resolver)} with the system resolver. */
  public Target check(URI uri) {
    return check(uri, Resolver.SYSTEM);
  }

  /**
   * Refuses the URI with URI_NOT_ALLOWED (or URI_FETCH_FAILED when its host does not resolve), or
   * returns the addresses it may connect to. Resolves the host once.
   */
  public Target check(URI uri, Resolver resolver) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!schemes.contains(scheme)) {
      throw refuse(uri, "scheme '" + scheme + "' is not one of " + schemes);
    }
    if (uri.getRawUserInfo() != null) {
      // a classic disguise (http://trusted@evil/) and ingest sends no credentials anyway
      throw refuse(uri, "it carries user info before '@'; remove it");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw refuse(
          uri,
          uri.getRawAuthority() == null
              ? "it has no host"
              : "'" + uri.getRawAuthority() + "' is not a host name or IP address ingest accepts");
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!hosts.isEmpty() && !hostAllowed(bare)) {
      throw refuse(uri, "host " + bare + " is not on the allow-list");
    }
    Optional<InetAddress> literal = literal(uri, host);
    List<InetAddress> addresses =
        literal.isPresent() ? List.of(literal.get()) : resolve(uri, bare, resolver);
    if (!allowPrivateAddresses) {
      for (InetAddress address : addresses) {
        Optional<String> block = SpecialAddresses.refusal(address);
        if (block.isPresent()) {
          String what = literal.isPresent() ? "the address " : bare + " resolves to the address ";
          throw refuse(uri, what + address.getHostAddress() + ", " + block.get());
        }
      }
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    return new Target(scheme, bare, port, addresses);
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

  /**
   * The address an IP-literal host names, read here without a lookup. A host that ends in a number
   * (as the WHATWG URL standard decides it) must be four decimal numbers: 2130706433, 0x7f.1, 127.1
   * or 0177.0.0.1 mean 127.0.0.1 to curl, browsers and glibc but something else (or nothing) to the
   * JDK, so what was checked might not be what some other hop connects to.
   */
  private static Optional<InetAddress> literal(URI uri, String host) {
    try {
      if (host.startsWith("[")) {
        if (host.contains("%")) {
          throw refuse(uri, "an IPv6 zone (" + host + ") names a local interface");
        }
        return Optional.of(InetAddress.getByName(host));
      }
      if (!endsInNumber(host)) {
        return Optional.empty();
      }
      Optional<byte[]> ipv4 = dottedQuad(host);
      if (ipv4.isEmpty()) {
        throw refuse(
            uri,
            "host "
                + host
                + " ends in a number but is not an IPv4 address written as four"
                + " decimal numbers (a.b.c.d); write the address that way");
      }
      return Optional.of(InetAddress.getByAddress(ipv4.get()));
    } catch (UnknownHostException e) {
      throw refuse(uri, host + " is not a valid IP address");
    }
  }

  private static boolean endsInNumber(String host) {
    String[] labels = host.split("\\.", -1);
    int last = labels.length - 1;
    if (labels[last].isEmpty() && last > 0) {
      last--; // a trailing dot
    }
    String label = labels[last];
    if (label.isEmpty()) {
      return false;
    }
    if (label.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return true;
    }
    return label.startsWith("0x")
        && label.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0);
  }

  private static Optional<byte[]> dottedQuad(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return Optional.empty();
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      boolean decimal =
          !p.isEmpty() && p.length() <= 3 && p.chars().allMatch(c -> c >= '0' && c <= '9');
      if (!decimal || (p.length() > 1 && p.charAt(0) == '0') || Integer.parseInt(p) > 255) {
        return Optional.empty();
      }
      bytes[i] = (byte) Integer.parseInt(p);
    }
    return Optional.of(bytes);
  }

  private static List<InetAddress> resolve(URI uri, String host, Resolver resolver) {
    List<InetAddress> addresses;
    try {
      addresses = resolver.resolve(host);
    } catch (UnknownHostException e) {
      addresses = List.of();
    }
    if (addresses.isEmpty()) {
      throw new Rejected(
          ErrorCode.URI_FETCH_FAILED,
          "the host of " + uri + " does not resolve: check the URI or send the image inline");
    }
    return addresses;
  }

  private static Rejected refuse(URI uri, String why) {
    return new Rejected(
        ErrorCode.URI_NOT_ALLOWED,
        "ingest will not fetch "
            + uri
            + ": "
            + why
            + ". Send the image inline, or ask the operator to allow this source");
  }
}
