package dev.glimpse.stream;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * The address blocks a URI fetch must not connect to, after IANA's IPv4 and IPv6 Special-Purpose
 * Address Registries (every block whose "Globally Reachable" is not True, plus the deprecated
 * ones), in the spirit of Python's {@code ipaddress.is_global} but stricter.
 *
 * <p>IPv6 is checked by allowing rather than refusing: only global unicast {@code 2000::/3} may be
 * reached, less the special blocks inside it. Every form that embeds or reaches an IPv4 address
 * (mapped, compatible, translated, NAT64) and every local scope lies outside {@code 2000::/3}, so a
 * block the table forgets is still refused. Inside it, 6to4 ({@code 2002::/16}) and all of the IETF
 * protocol assignments ({@code 2001::/23}, Teredo included) are refused whole instead of decoding
 * the IPv4 address they carry: the relay or local tunnel that would carry the packets is the part
 * the check cannot see, both are deprecated, and no image host needs them.
 */
final class SpecialAddresses {
  /** An address block, {@code prefix/bits} as the registry writes it, with its name there. */
  private static final class Block {
    private final String cidr;
    private final String name;
    private final byte[] prefix;
    private final int bits;

    Block(String cidr, String name) {
      int slash = cidr.indexOf('/');
      this.cidr = cidr;
      this.name = name;
      this.prefix = literal(cidr.substring(0, slash));
      this.bits = Integer.parseInt(cidr.substring(slash + 1));
      if (bits < 0 || bits > prefix.length * 8) {
        throw new IllegalArgumentException("prefix length of " + cidr);
      }
    }

    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      int mask = (0xff << (8 - rest)) & 0xff;
      return rest == 0 || (address[full] & mask) == (prefix[full] & mask);
    }

    @Override
    public String toString() {
      return cidr + " (" + name + ")";
    }

    /** The bytes of an address literal (no lookup), 16 for IPv6 even where the JDK gives 4. */
    private static byte[] literal(String text) {
      byte[] b;
      try {
        b = InetAddress.getByName(text).getAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(text, e);
      }
      return text.contains(":") && b.length == 4 ? mapped(b) : b;
    }
  }

  private static final List<Block> IPV4 =
      List.of(
          new Block("0.0.0.0/8", "this network"),
          new Block("10.0.0.0/8", "private use"),
          new Block("100.64.0.0/10", "shared address space, carrier-grade NAT"),
          new Block("127.0.0.0/8", "loopback"),
          new Block("169.254.0.0/16", "link-local, cloud metadata"),
          new Block("172.16.0.0/12", "private use"),
          new Block("192.0.0.0/24", "IETF protocol assignments"),
          new Block("192.0.2.0/24", "documentation TEST-NET-1"),
          new Block("192.88.99.0/24", "deprecated 6to4 relay anycast"),
          new Block("192.168.0.0/16", "private use"),
          new Block("198.18.0.0/15", "benchmarking"),
          new Block("198.51.100.0/24", "documentation TEST-NET-2"),
          new Block("203.0.113.0/24", "documentation TEST-NET-3"),
          new Block("224.0.0.0/4", "multicast"),
          new Block("255.255.255.255/32", "limited broadcast"),
          new Block("240.0.0.0/4", "reserved"));

  private static final Block GLOBAL_UNICAST = new Block("2000::/3", "global unicast");

  /** Named so that a refusal says why; anything outside 2000::/3 is refused even if not listed. */
  private static final List<Block> IPV6 =
      List.of(
          new Block("::/128", "unspecified"),
          new Block("::1/128", "loopback"),
          new Block("::ffff:0:0/96", "IPv4-mapped"),
          new Block("::ffff:0:0:0/96", "IPv4-translated"),
          new Block("::/96", "IPv4-compatible"),
          new Block("64:ff9b::/96", "NAT64 well-known prefix"),
          new Block("64:ff9b:1::/48", "local-use NAT64"),
          new Block("100::/64", "discard-only"),
          new Block("2001::/32", "Teredo"),
          new Block("2001:db8::/32", "documentation"),
          new Block("2001::/23", "IETF protocol assignments"),
          new Block("2002::/16", "6to4"),
          new Block("3fff::/20", "documentation"),
          new Block("5f00::/16", "SRv6 SIDs"),
          new Block("fc00::/7", "unique-local"),
          new Block("fe80::/10", "link-local"),
          new Block("fec0::/10", "site-local"),
          new Block("ff00::/8", "multicast"));

  private SpecialAddresses() {}

  /** Why {@code address} is refused ("in 10.0.0.0/8 (private use)"), or empty when it is global. */
  static Optional<String> refusal(InetAddress address) {
    byte[] bytes = address.getAddress();
    List<Block> table = address instanceof Inet4Address ? IPV4 : IPV6;
    for (Block block : table) {
      if (block.contains(bytes)) {
        return Optional.of("in " + block);
      }
    }
    if (address instanceof Inet6Address && !GLOBAL_UNICAST.contains(bytes)) {
      return Optional.of("outside " + GLOBAL_UNICAST + ", the only IPv6 block a fetch may reach");
    }
    return Optional.empty();
  }

  private static byte[] mapped(byte[] ipv4) {
    byte[] b = new byte[16];
    b[10] = (byte) 0xff;
    b[11] = (byte) 0xff;
    System.arraycopy(ipv4, 0, b, 12, 4);
    return b;
  }
}
