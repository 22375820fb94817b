package io.flare.iem.integrationconfig;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.config.IpBlock;
import io.flare.iem.integrationconfig.IntegrationDiagnostics.Outcome;
import io.flare.iem.integrationconfig.IntegrationDiagnostics.Result;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.Usage;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TestIntegration's ThreatInsight check against a simulated org: it reads ThreatInsight's
 * configuration and the zones it excludes, and warns, with the remedy, unless every egress address
 * of the service is in one of them; a missing scope is a WARN naming it.
 */
class ThreatInsightChecksTest {

  static Vertx vertx;
  static OktaSimulator sim;
  OktaOrg org;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(3));
  }

  @AfterAll
  static void stop() {
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  @BeforeEach
  void grantedAndAuditing() {
    sim.app().grantScopes("okta.threatInsights.read", "okta.networkZones.read");
    sim.threatInsight().action("audit").excludeZones();
    org = OktaSims.client(vertx).org(OktaSims.app(sim), Usage.named("test-integration"));
  }

  static List<IpBlock> egress(String... blocks) {
    return Stream.of(blocks).map(IpBlock::parse).toList();
  }

  Result check(List<IpBlock> egress) {
    return Await.result(new ThreatInsightChecks(egress).egressExcluded(org));
  }

  @Test
  void threatinsight_that_only_logs_blocks_nothing_and_passes() {
    Result r = check(egress());
    assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.PASS);
    assertThat(r.detail()).contains("audit");
  }

  @Test
  void blocking_with_our_egress_addresses_unknown_warns_how_to_set_them() {
    sim.threatInsight().action("block");
    Result r = check(egress());
    assertThat(r.outcome()).isEqualTo(Outcome.WARN);
    assertThat(r.detail()).contains("cannot tell");
    assertThat(r.remedy()).contains("IEM_EGRESS_ADDRESSES", "ThreatInsight", "network zone");
  }

  @Test
  void blocking_with_an_egress_address_outside_every_excluded_zone_warns_naming_it() {
    String office = sim.threatInsight().addIpZone("Office", "198.51.100.0/24");
    sim.threatInsight().action("block").excludeZones(office);
    Result r = check(egress("198.51.100.7", "203.0.113.9"));
    assertThat(r.outcome()).isEqualTo(Outcome.WARN);
    assertThat(r.detail()).contains("203.0.113.9", "Office").doesNotContain("198.51.100.7");
    assertThat(r.remedy()).contains("203.0.113.9", "Okta ThreatInsight settings");
  }

  @Test
  void blocking_with_every_egress_address_in_an_excluded_zone_passes() {
    String flare = sim.threatInsight().addIpZone("Flare", "203.0.113.0/28", "192.0.2.10-192.0.2.20");
    sim.threatInsight().action("block").excludeZones(flare);
    Result r = check(egress("203.0.113.8/29", "192.0.2.12"));
    assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.PASS);
    assertThat(r.detail()).contains("Flare");
  }

  @Test
  void a_zone_that_is_not_excluded_does_not_count() {
    sim.threatInsight().addIpZone("Flare, not excluded", "203.0.113.0/24");
    sim.threatInsight().action("block");
    assertThat(check(egress("203.0.113.1")).outcome()).isEqualTo(Outcome.WARN);
  }

  @Test
  void without_the_threatinsight_scope_it_warns_naming_the_scope_to_grant() {
    sim.app().revokeScopes("okta.threatInsights.read");
    Result r = check(egress("203.0.113.1"));
    assertThat(r.outcome()).isEqualTo(Outcome.WARN);
    assertThat(r.remedy()).contains("okta.threatInsights.read");
  }

  @Test
  void without_the_zones_scope_it_warns_naming_the_scope_to_grant() {
    String flare = sim.threatInsight().addIpZone("Flare", "203.0.113.0/24");
    sim.threatInsight().action("block").excludeZones(flare);
    sim.app().revokeScopes("okta.networkZones.read");
    Result r = check(egress("203.0.113.1"));
    assertThat(r.outcome()).isEqualTo(Outcome.WARN);
    assertThat(r.remedy()).contains("okta.networkZones.read");
  }

  @Test
  void no_refusal_of_our_authn_calls_passes() {
    Result r = new ThreatInsightChecks(egress()).authnNotBlocked(org);
    assertThat(r.name()).isEqualTo("authn_not_blocked");
    assertThat(r.outcome()).isEqualTo(Outcome.PASS);
  }
}
