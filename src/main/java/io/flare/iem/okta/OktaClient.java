package io.flare.iem.okta;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The one Okta client of the service, shared by TestIntegration, sync, checks and mitigation.
 * Holds, per org and client id, the cached access tokens, the DPoP nonce and the rate-limit state,
 * so every caller of one org shares Okta's budget. Callers get an {@link OktaOrg} view with their
 * own {@link Usage} (shares and counters):
 *
 * <pre>{@code
 * OktaOrg org = okta.org(integration.oktaDomain(), integration.clientId(),
 *     Usage.named("sync").withShare(Bucket.USERS_LIST, 0.8));
 * UserPages pages = org.listUsers(UserQuery.allIncludingDeprovisioned());
 * pages.next().compose(page -> ...);   // pull the next page when there is room for it
 * }</pre>
 *
 * <p>The Okta domain is validated again here ({@link OktaDomain}); every URL sent to, including
 * {@code Link} headers followed, must belong to it; redirects are refused, never followed.
 */
public final class OktaClient {

  /** {@code User-Agent} of every request. */
  public static final String USER_AGENT = "iem-okta/" + version() + " (Flare Identity Exposure Management)";

  private final Vertx vertx;
  private final WebClient web;
  private final AssertionKeys keys;
  private final Set<String> insecureHosts;
  private final OktaClientOptions options;
  private final Clock clock;
  private final ConcurrentMap<OktaApp, OrgConnection> orgs = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AuthnPause> pauses = new ConcurrentHashMap<>();
  private final OktaListener listener;
  private final Clock pacing;

  /**
   * @param web the application's shared client: explicit timeouts, no redirects
   * @param keys each tenant's client-assertion key
   * @param insecureHosts hosts allowed over http and on loopback (simulators, tests)
   */
  public OktaClient(Vertx vertx, WebClient web, AssertionKeys keys, Set<String> insecureHosts,
      OktaClientOptions options, Clock clock) {
    this(vertx, web, keys, insecureHosts, options, clock, OktaListener.NONE);
  }

  /** As above, reporting exchanges and waits to {@code listener} (metrics). */
  public OktaClient(Vertx vertx, WebClient web, AssertionKeys keys, Set<String> insecureHosts,
      OktaClientOptions options, Clock clock, OktaListener listener) {
    this(vertx, web, keys, insecureHosts, options, clock, clock, listener);
  }

  /**
   * As above, with two clocks: {@code clock} for what Okta checks (token lifetimes, assertion and
   * proof times, rate-limit resets: real time), {@code pacing} for waits of our own choosing (when
   * an org that refuses our authn calls is probed again), which follow the service's clock.
   */
  public OktaClient(Vertx vertx, WebClient web, AssertionKeys keys, Set<String> insecureHosts,
      OktaClientOptions options, Clock clock, Clock pacing, OktaListener listener) {
    this.listener = listener;
    this.pacing = pacing;
    this.vertx = vertx;
    this.web = web;
    this.keys = keys;
    this.insecureHosts = Set.copyOf(insecureHosts);
    this.options = options;
    this.clock = clock;
  }

  /**
   * A view of {@code app}'s org, spending from {@code usage}. Each app (tenant, org and client id)
   * has a connection of its own: its tokens, signed with the tenant's key, its DPoP key and nonce,
   * and its rate-limit state.
   */
  public OktaOrg org(OktaApp app, Usage usage) {
    return new OktaOrg(connection(app), usage);
  }

  /**
   * One token for all of {@code scopes} on {@code app}'s connection, served to every call that needs
   * any of them while it is fresh (a sync's reads); never fails ({@link OrgTokens#share}).
   */
  public Future<Void> shareToken(OktaApp app, Usage usage, Set<String> scopes) {
    return connection(app).tokens.share(scopes, usage);
  }

  private OrgConnection connection(OktaApp app) {
    OktaDomain domain = OktaDomain.parse(app.oktaDomain(), insecureHosts);
    OktaApp normalised = new OktaApp(app.tenantId(), domain.value(), app.clientId());
    AuthnPause pause = pauses.computeIfAbsent(domain.value(), d -> new AuthnPause(d, pacing, listener));
    return orgs.computeIfAbsent(normalised,
        k -> new OrgConnection(vertx, web, k.tenantId(), domain, k.clientId(), () -> keys.signing(k.tenantId()),
            DpopProofs.generate(clock), options, clock, listener, pause));
  }

  /** As {@link #org(OktaApp, Usage)} with default shares. */
  public OktaOrg org(OktaApp app) {
    return org(app, Usage.named("default"));
  }

  /**
   * Drops the connection of an app that is no longer configured (its integration was deleted or
   * now names another org or app): its tokens, nonce and rate-limit state. A pause of its authn
   * calls stays: it is about our address, which did not change.
   */
  public void forget(OktaApp app) {
    OktaDomain domain = OktaDomain.parse(app.oktaDomain(), insecureHosts);
    orgs.remove(new OktaApp(app.tenantId(), domain.value(), app.clientId()));
  }

  private static String version() {
    String v = OktaClient.class.getPackage() == null ? null : OktaClient.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @Override
  public String toString() {
    return "OktaClient[orgs=" + orgs.size() + "]";
  }
}
