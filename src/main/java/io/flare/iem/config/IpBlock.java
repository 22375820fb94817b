package io.flare.iem.config;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A block of IP addresses, IPv4 or IPv6: one address ({@code 203.0.113.7}), a CIDR
 * ({@code 203.0.113.0/24}) or a range ({@code 203.0.113.1-203.0.113.9}, the form Okta's network
 * zones also use). Parsed from literals only, never through DNS.
 *
 * @param bits 32 for IPv4, 128 for IPv6
 * @param first the first address, as a number
 * @param last the last address, as a number
 * @param text the block as written
 */
public record IpBlock(int bits, BigInteger first, BigInteger last, String text) {

  /** Parses an address, a CIDR or a range; throws {@link IllegalArgumentException} naming the problem. */
  public static IpBlock parse(String text) {
    String t = text.trim();
    int dash = t.indexOf('-');
    if (dash > 0) {
      IpBlock from;
      IpBlock to;
      try {
        from = parse(t.substring(0, dash));
        to = parse(t.substring(dash + 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + t + "' is not an IP address, a CIDR or a range of addresses", e);
      }
      if (from.bits != to.bits || from.first.compareTo(to.last) > 0) {
        throw new IllegalArgumentException("'" + t + "' is not a range of addresses");
      }
      return new IpBlock(from.bits, from.first, to.last, t);
    }
    int slash = t.indexOf('/');
    byte[] address = literal(slash < 0 ? t : t.substring(0, slash), t);
    int bits = address.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(t.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("'" + t + "' has no valid prefix length (0 to " + bits + ")");
      }
    }
    BigInteger size = BigInteger.ONE.shiftLeft(bits - prefix);
    BigInteger value = new BigInteger(1, address);
    BigInteger first = value.subtract(value.mod(size));
    return new IpBlock(bits, first, first.add(size).subtract(BigInteger.ONE), t);
  }

  /** Whether every address of {@code other} is in this block. */
  public boolean contains(IpBlock other) {
    return bits == other.bits && first.compareTo(other.first) <= 0 && last.compareTo(other.last) >= 0;
  }

  @Override
  public String toString() {
    return text;
  }

  private static byte[] literal(String address, String whole) {
    String a = address.trim();
    boolean v4 = a.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = a.contains(":") && a.matches("[0-9A-Fa-f:.]+");
    if (v4) {
      for (String part : a.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          v4 = false;
        }
      }
    }
    if (!v4 && !v6) {
      throw new IllegalArgumentException("'" + whole + "' is not an IP address, a CIDR or a range of addresses");
    }
    try {
      return InetAddress.getByName(a).getAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + whole + "' is not an IP address, a CIDR or a range of addresses", e);
    }
  }
}
