package io.flare.iem.okta;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Which IP addresses a custom URL domain may resolve to: public internet addresses only. The
 * blocks refused are IANA's special-purpose registries (RFC 6890 and its updates), IPv4 and IPv6;
 * an IPv4-mapped or IPv4-compatible IPv6 address is judged by the IPv4 address it carries, and any
 * IPv6 address outside global unicast {@code 2000::/3} is refused outright.
 */
public final class PublicAddresses {

  private PublicAddresses() {}

  private record Block(byte[] prefix, int bits, String kind) {

    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[whole] & mask) == (prefix[whole] & mask);
    }
  }

  private static final List<Block> V4 = List.of(
      v4("0.0.0.0", 8, "unspecified ('this network')"),
      v4("10.0.0.0", 8, "private"),
      v4("100.64.0.0", 10, "shared address space (CGNAT)"),
      v4("127.0.0.0", 8, "loopback"),
      v4("169.254.0.0", 16, "link-local"),
      v4("172.16.0.0", 12, "private"),
      v4("192.0.0.0", 24, "IETF protocol assignments"),
      v4("192.0.2.0", 24, "documentation"),
      v4("192.88.99.0", 24, "6to4 relay anycast"),
      v4("192.168.0.0", 16, "private"),
      v4("198.18.0.0", 15, "benchmarking"),
      v4("198.51.100.0", 24, "documentation"),
      v4("203.0.113.0", 24, "documentation"),
      v4("224.0.0.0", 4, "multicast"),
      v4("240.0.0.0", 4, "reserved (including broadcast)"));

  /** Inside 2000::/3, the blocks that are not globally reachable unicast. */
  private static final List<Block> V6 = List.of(
      v6("2001::", 23, "IETF protocol assignments (Teredo, benchmarking, ORCHID)"),
      v6("2001:db8::", 32, "documentation"),
      v6("2002::", 16, "6to4 (carries an IPv4 address)"),
      v6("3fff::", 20, "documentation"));

  private static final Block GLOBAL_UNICAST_V6 = v6("2000::", 3, "global unicast");

  /**
   * Why {@code address} is not a public internet address (for example "private" or "loopback"),
   * or empty when it is one.
   */
  public static Optional<String> nonPublic(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (address instanceof Inet4Address) {
      return kind(V4, bytes);
    }
    if (!(address instanceof Inet6Address)) {
      return Optional.of("not an IP address");
    }
    byte[] embedded = embeddedIpv4(bytes);
    if (embedded != null) {
      return kind(V4, embedded).map(kind -> kind + ", as an IPv4-mapped IPv6 address");
    }
    if (!GLOBAL_UNICAST_V6.contains(bytes)) {
      return Optional.of(ipv6Kind(bytes));
    }
    return kind(V6, bytes);
  }

  private static Optional<String> kind(List<Block> blocks, byte[] bytes) {
    return blocks.stream().filter(b -> b.contains(bytes)).map(Block::kind).findFirst();
  }

  /** The IPv4 address in {@code ::ffff:a.b.c.d} (mapped) or {@code ::a.b.c.d} (compatible), else null. */
  private static byte[] embeddedIpv4(byte[] v6) {
    for (int i = 0; i < 10; i++) {
      if (v6[i] != 0) {
        return null;
      }
    }
    boolean mapped = v6[10] == (byte) 0xff && v6[11] == (byte) 0xff;
    boolean compatible = v6[10] == 0 && v6[11] == 0;
    if (!mapped && !compatible) {
      return null;
    }
    if (compatible && v6[12] == 0 && v6[13] == 0 && v6[14] == 0 && (v6[15] == 0 || v6[15] == 1)) {
      return null; // :: and ::1 are IPv6's own unspecified and loopback addresses
    }
    return new byte[] {v6[12], v6[13], v6[14], v6[15]};
  }

  private static String ipv6Kind(byte[] v6) {
    int first = v6[0] & 0xff;
    if (first == 0xff) {
      return "multicast";
    }
    if (first == 0xfe && (v6[1] & 0xc0) == 0x80) {
      return "link-local";
    }
    if ((first & 0xfe) == 0xfc) {
      return "unique local (private)";
    }
    boolean zeroes = true;
    for (int i = 0; i < 15; i++) {
      zeroes &= v6[i] == 0;
    }
    if (zeroes && v6[15] == 1) {
      return "loopback";
    }
    if (zeroes && v6[15] == 0) {
      return "unspecified";
    }
    return "not global unicast (outside 2000::/3)";
  }

  private static Block v4(String prefix, int bits, String kind) {
    return new Block(literal(prefix), bits, kind);
  }

  private static Block v6(String prefix, int bits, String kind) {
    return new Block(literal(prefix), bits, kind);
  }

  private static byte[] literal(String ip) {
    try {
      return InetAddress.getByName(ip).getAddress(); // a literal: no lookup
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(ip, e);
    }
  }
}
