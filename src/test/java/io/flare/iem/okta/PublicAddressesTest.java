package io.flare.iem.okta;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which addresses a custom URL domain may resolve to: public internet addresses only. */
class PublicAddressesTest {

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "52.1.2.3", "104.16.0.1", "1.1.1.1", "223.255.255.254", "100.63.255.255",
      "100.128.0.0", "172.15.255.255", "172.32.0.0", "192.169.0.1", "2600:1f18::1", "2a00:1450:4001::200e",
      "2001:4860:4860::8888", "2620:fe::fe"})
  void public_addresses_are_accepted(String address) throws Exception {
    assertThat(PublicAddresses.nonPublic(InetAddress.getByName(address))).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
      "0.0.0.0, unspecified",
      "0.1.2.3, unspecified",
      "10.0.0.5, private",
      "100.64.0.1, CGNAT",
      "100.127.255.255, CGNAT",
      "127.0.0.1, loopback",
      "127.255.0.9, loopback",
      "169.254.169.254, link-local",
      "172.16.0.1, private",
      "172.31.255.255, private",
      "192.0.0.8, IETF",
      "192.0.2.10, documentation",
      "192.88.99.1, 6to4",
      "192.168.1.1, private",
      "198.18.0.1, benchmarking",
      "198.19.255.255, benchmarking",
      "198.51.100.7, documentation",
      "203.0.113.9, documentation",
      "224.0.0.251, multicast",
      "239.255.255.250, multicast",
      "240.0.0.1, reserved",
      "255.255.255.255, reserved",
      "::1, loopback",
      "::, unspecified",
      "fe80::1, link-local",
      "febf::1, link-local",
      "fc00::1, unique local",
      "fd12:3456:789a::1, unique local",
      "ff02::1, multicast",
      "64:ff9b::a00:1, outside 2000::/3",
      "100::1, outside 2000::/3",
      "2001:db8::1, documentation",
      "2001::1, IETF",
      "2001:2::1, IETF",
      "2002:a00:1::1, 6to4",
      "3fff::1, documentation"})
  void every_non_public_range_is_refused_and_named(String address, String kind) throws Exception {
    assertThat(PublicAddresses.nonPublic(InetAddress.getByName(address))).hasValueSatisfying(
        why -> assertThat(why).contains(kind));
  }

  @ParameterizedTest
  @CsvSource({"10.0.0.5, private", "127.0.0.1, loopback", "169.254.169.254, link-local", "100.64.0.1, CGNAT"})
  void an_ipv4_mapped_or_compatible_ipv6_address_is_judged_by_the_ipv4_address_it_carries(String v4, String kind)
      throws Exception {
    byte[] ipv4 = InetAddress.getByName(v4).getAddress();
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(ipv4, 0, mapped, 12, 4);
    byte[] compatible = new byte[16];
    System.arraycopy(ipv4, 0, compatible, 12, 4);
    // Inet6Address.getByAddress keeps the IPv6 form (InetAddress.getByAddress would unwrap it)
    assertThat(PublicAddresses.nonPublic(Inet6Address.getByAddress(null, mapped, -1)))
        .hasValueSatisfying(why -> assertThat(why).contains(kind).contains("IPv4-mapped"));
    assertThat(PublicAddresses.nonPublic(Inet6Address.getByAddress(null, compatible, -1)))
        .hasValueSatisfying(why -> assertThat(why).contains(kind));
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "52.1.2.3"})
  void an_ipv4_mapped_public_address_is_public(String v4) throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(InetAddress.getByName(v4).getAddress(), 0, mapped, 12, 4);
    assertThat(PublicAddresses.nonPublic(Inet6Address.getByAddress(null, mapped, -1))).isEmpty();
  }
}
