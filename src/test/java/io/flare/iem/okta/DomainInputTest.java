package io.flare.iem.okta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flare.iem.failure.Failure;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a customer may type as their Okta domain: an Okta org URL is taken at once; an https DNS name
 * outside Okta's domains is a custom URL domain still to verify; everything else is refused before
 * any lookup.
 */
class DomainInputTest {

  static final Set<String> INSECURE = Set.of("127.0.0.1");

  @ParameterizedTest
  @CsvSource({"acme.okta.com, https://acme.okta.com", "https://dev-1.oktapreview.com/, https://dev-1.oktapreview.com",
      "http://127.0.0.1:8089, http://127.0.0.1:8089"})
  void okta_org_urls_need_no_verification(String input, String url) {
    assertThat(DomainInput.parse(input, INSECURE, "okta_domain"))
        .isEqualTo(new DomainInput.Org(OktaDomain.parse(url, INSECURE)));
  }

  @ParameterizedTest
  @CsvSource({"login.acme.com, login.acme.com", "https://Login.Acme.com/, login.acme.com",
      "sso.xn--bcher-kva.example.de, sso.xn--bcher-kva.example.de", "id.acme.co.uk, id.acme.co.uk",
      "acme.okta.com.evil.net, acme.okta.com.evil.net"})
  void other_https_dns_names_are_custom_domains_to_verify(String input, String host) {
    DomainInput parsed = DomainInput.parse(input, INSECURE, "okta_domain");
    assertThat(parsed).isEqualTo(new DomainInput.Custom(host));
    assertThat(((DomainInput.Custom) parsed).url()).isEqualTo("https://" + host);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "http://login.acme.com| must use https",
      "https://login.acme.com:8443| must not specify a port",
      "https://login.acme.com/app| without a path",
      "https://user@login.acme.com| user information",
      "https://10.0.0.5| not an IP address",
      "https://[fd00::1]| not an IP address",
      "https://login.acme.com.| must not end with a dot",
      "https://okta.com| must be a host under",
      "https://oktapreview.com| must be a host under",
      "https://acme-admin.okta.com| admin console",
      "https://intranet| not a fully qualified domain name",
      "https://localhost.localdomain| special-use or internal name",
      "https://db.svc.cluster.local| special-use or internal name",
      "https://printer.home.arpa| special-use or internal name",
      "https://metadata.google.internal| special-use or internal name",
      "https://acme.okta.c0m| does not end in a top-level domain",
      "https://0x7f.0.0.1| must be an Okta host",
      "https://-bad.acme.com| must be an Okta host",
      "https://login..acme.com| must be an Okta host"})
  void everything_else_is_refused_before_any_lookup(String input, String rule) {
    Failure.InvalidArgument e = catchThrowableOfType(Failure.InvalidArgument.class,
        () -> DomainInput.parse(input, INSECURE, "integration.okta_domain"));
    assertThat(e).as(input).isNotNull();
    assertThat(e.field()).isEqualTo("integration.okta_domain");
    assertThat(e.rule()).contains(rule.strip());
  }

  @Test
  void a_refused_custom_domain_still_says_which_okta_hosts_are_accepted() {
    Failure.InvalidArgument e = catchThrowableOfType(Failure.InvalidArgument.class,
        () -> DomainInput.parse("https://printer.local", INSECURE, "okta_domain"));
    assertThat(e.rule()).startsWith("must be a host under *.okta.com, *.oktapreview.com, *.okta-emea.com,"
        + " *.okta-gov.com, *.okta.mil, or a custom URL domain of your Okta org");
  }
}
