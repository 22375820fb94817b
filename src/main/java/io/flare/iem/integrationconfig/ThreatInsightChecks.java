package io.flare.iem.integrationconfig;

import io.flare.iem.config.IpBlock;
import io.flare.iem.integrationconfig.IntegrationDiagnostics.Outcome;
import io.flare.iem.integrationconfig.IntegrationDiagnostics.Result;
import io.flare.iem.okta.AuthnBlock;
import io.flare.iem.okta.NetworkZone;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.ThreatInsightConfig;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * TestIntegration's two checks of Okta refusing our address: whether it refuses the org's authn
 * calls right now ({@value #AUTHN_NOT_BLOCKED}: the pause the Okta client keeps, see
 * {@link OktaOrg#authnBlock()}), and whether ThreatInsight could ({@value #EGRESS_EXCLUDED}): when
 * its action is {@code block}, every egress address of the service ({@code IEM_EGRESS_ADDRESSES})
 * must be a gateway of an active IP zone in its {@code excludeZones}. Reading ThreatInsight needs
 * {@code okta.threatInsights.read}, reading the zones {@code okta.networkZones.read}; either missing
 * is a WARN naming the scope, never a FAIL.
 */
final class ThreatInsightChecks {

  static final String AUTHN_NOT_BLOCKED = "authn_not_blocked";
  static final String EGRESS_EXCLUDED = "threatinsight_egress_excluded";

  private static final String EXCLUDE = "In the Okta Admin Console add an IP network zone (Security > Networks) whose"
      + " gateways are Flare's egress addresses, then add that zone to the zones Okta ThreatInsight excludes"
      + " (Security > General > Okta ThreatInsight settings), and keep those addresses out of any block-list zone.";

  private final List<IpBlock> egress;

  ThreatInsightChecks(List<IpBlock> egress) {
    this.egress = List.copyOf(egress);
  }

  /** Whether Okta refuses the org's authn calls from our address now, as this replica saw it last. */
  Result authnNotBlocked(OktaOrg org) {
    Optional<AuthnBlock> block = org.authnBlock();
    if (block.isEmpty()) {
      return new Result(AUTHN_NOT_BLOCKED, Outcome.PASS, "Okta has not refused this service's authn calls to "
          + org.domain() + " from its address", "");
    }
    AuthnBlock b = block.get();
    return new Result(AUTHN_NOT_BLOCKED, Outcome.FAIL, "Okta refuses this service's authn calls to " + b.domain()
        + " from its address (HTTP 403, before reading any password) since " + b.since() + " (X-Okta-Request-Id "
        + b.requestId() + "); " + b.refusedProbes() + " probe(s) refused since; credential checks wait, none counted"
        + " against a user, next probe at " + b.nextProbe(),
        EXCLUDE + " Flare's egress addresses are the service's IEM_EGRESS_ADDRESSES (ask your Flare CSM). Checks resume"
            + " on their own once a probe gets through.");
  }

  /** Whether ThreatInsight's configuration leaves our egress addresses alone. */
  Future<Result> egressExcluded(OktaOrg org) {
    return org.setup().threatInsight().transform(ar -> {
      if (ar.failed()) {
        return Future.succeededFuture(unreadable(ar.cause(), "ThreatInsight's settings", OktaOrg.THREAT_INSIGHTS_READ));
      }
      ThreatInsightConfig config = ar.result();
      if (!config.blocks()) {
        return Future.succeededFuture(new Result(EGRESS_EXCLUDED, Outcome.PASS, "ThreatInsight's action is '"
            + config.action() + "': it blocks no sign-in, ours included", ""));
      }
      if (egress.isEmpty()) {
        return Future.succeededFuture(new Result(EGRESS_EXCLUDED, Outcome.WARN, "ThreatInsight blocks sign-ins from"
            + " addresses it holds malicious, and this service does not know its own egress addresses, so it cannot"
            + " tell whether ThreatInsight excludes them",
            "Flare operators: set IEM_EGRESS_ADDRESSES to the addresses the service's calls to Okta leave from (a comma"
                + " list of IPs or CIDRs). " + EXCLUDE));
      }
      return zones(org, config.excludeZones(), 0, new ArrayList<>()).transform(zones -> zones.failed()
          ? Future.succeededFuture(unreadable(zones.cause(), "the network zones ThreatInsight excludes",
              OktaOrg.NETWORK_ZONES_READ))
          : Future.succeededFuture(covered(zones.result())));
    });
  }

  private Future<List<NetworkZone>> zones(OktaOrg org, List<String> ids, int next, List<NetworkZone> read) {
    if (next == ids.size()) {
      return Future.succeededFuture(read);
    }
    return org.setup().networkZone(ids.get(next)).transform(ar -> {
      if (ar.succeeded()) {
        read.add(ar.result());
      } else if (!(ar.cause() instanceof OktaException e && e.kind() == OktaException.Kind.NOT_FOUND)) {
        return Future.failedFuture(ar.cause());
      }
      return zones(org, ids, next + 1, read);
    });
  }

  private Result covered(List<NetworkZone> zones) {
    List<IpBlock> gateways = new ArrayList<>();
    for (NetworkZone zone : zones) {
      if (zone.active() && "IP".equalsIgnoreCase(zone.type())) {
        for (String gateway : zone.gateways()) {
          try {
            gateways.add(IpBlock.parse(gateway));
          } catch (IllegalArgumentException ignored) {
            // a gateway we cannot read covers nothing
          }
        }
      }
    }
    List<IpBlock> uncovered = egress.stream().filter(e -> gateways.stream().noneMatch(g -> g.contains(e))).toList();
    String names = zones.stream().map(NetworkZone::name).collect(Collectors.joining(", "));
    if (uncovered.isEmpty()) {
      return new Result(EGRESS_EXCLUDED, Outcome.PASS, "ThreatInsight blocks sign-ins from addresses it holds"
          + " malicious, and excludes every egress address of Flare (" + join(egress) + ") through " + names, "");
    }
    return new Result(EGRESS_EXCLUDED, Outcome.WARN, "ThreatInsight blocks sign-ins from addresses it holds malicious,"
        + " and no zone it excludes" + (names.isEmpty() ? "" : " (" + names + ")") + " contains Flare's egress"
        + " address(es) " + join(uncovered) + ": if it comes to hold them malicious, Okta refuses every credential"
        + " check (HTTP 403) until it no longer does", EXCLUDE + " The addresses to add: " + join(uncovered) + ".");
  }

  private static Result unreadable(Throwable cause, String what, String scope) {
    OktaException e = cause instanceof OktaException o ? o : null;
    if (e != null && (e.kind() == OktaException.Kind.INVALID_SCOPE || e.kind() == OktaException.Kind.FORBIDDEN)) {
      return new Result(EGRESS_EXCLUDED, Outcome.WARN, "Okta did not let the app read " + what + ": "
          + (e.errorCode() == null ? "" : e.errorCode() + " ") + (e.errorSummary() == null ? e.getMessage()
          : e.errorSummary()), "Grant " + scope + " on the service app's Okta API Scopes tab (its admin role must"
          + " also see security settings, for example Read-only Administrator) so TestIntegration can tell whether"
          + " ThreatInsight may block Flare's address.");
    }
    return new Result(EGRESS_EXCLUDED, Outcome.WARN, "could not read " + what + ": " + cause.getMessage(),
        "Run TestIntegration again later.");
  }

  private static String join(List<IpBlock> blocks) {
    return blocks.stream().map(IpBlock::text).collect(Collectors.joining(", "));
  }
}
