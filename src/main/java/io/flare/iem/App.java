package io.flare.iem;

import io.flare.iem.callerauth.CallerAuth;
import io.flare.iem.config.AppConfig;
import io.flare.iem.credentialcheck.CheckSettings;
import io.flare.iem.credentialcheck.CredentialCheckCapability;
import io.flare.iem.credentialcheck.PasswordVault;
import io.flare.iem.exposure.ExposureCapability;
import io.flare.iem.exposure.ExposureSettings;
import io.flare.iem.grpc.AuthGate;
import io.flare.iem.grpc.GrpcEdge;
import io.flare.iem.grpc.OpenGate;
import io.flare.iem.http.HttpEndpoints;
import io.flare.iem.identitysync.IdentitySyncCapability;
import io.flare.iem.identitysync.OktaUserSources;
import io.flare.iem.identitysync.SyncSettings;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationConfigEndpoint;
import io.flare.iem.integrationconfig.IntegrationKeys;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.LockoutThresholds;
import io.flare.iem.integrationconfig.ProtectedAccounts;
import io.flare.iem.identitysync.OrgRefresh;
import io.flare.iem.integrationconfig.OktaDiagnostics;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.integrationconfig.TenantSettings;
import io.flare.iem.keys.SigningKeys;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.metrics.OktaMetrics;
import io.flare.iem.okta.CustomDomains;
import io.flare.iem.okta.DomainNetwork;
import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.OktaClientOptions;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.Usage;
import io.flare.iem.storage.Migrations;
import io.flare.iem.storage.Readiness;
import io.flare.iem.storage.Stores;
import io.flare.iem.tracing.Tracing;
import io.flare.iem.v1.CredentialCheckServiceGrpcService;
import io.flare.iem.v1.IdentitySyncServiceGrpcService;
import io.flare.iem.v1.IntegrationConfigServiceGrpcService;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.grpc.server.Service;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the service in one place: stores, keys, capabilities, and the gRPC and HTTP ingress.
 * {@code Main} and the tests both start the service through {@link #start(Vertx, AppConfig)}, so
 * tests exercise production wiring.
 */
public final class App {

  private static final Logger LOG = LoggerFactory.getLogger(App.class);

  private final Vertx vertx;
  private final Stores stores;
  private final Readiness readiness;
  private final List<String> deployments;
  private final int grpcPort;
  private final int httpPort;
  private final WebClient web;
  private final OktaClient okta;
  private final CustomDomains customDomains;

  private final Duration grace;

  private App(Vertx vertx, Stores stores, Readiness readiness, List<String> deployments, int grpcPort, int httpPort,
      WebClient web, OktaClient okta, CustomDomains customDomains, Duration grace) {
    this.grace = grace;
    this.customDomains = customDomains;
    this.vertx = vertx;
    this.web = web;
    this.okta = okta;
    this.stores = stores;
    this.readiness = readiness;
    this.deployments = deployments;
    this.grpcPort = grpcPort;
    this.httpPort = httpPort;
  }

  /**
   * Migrates the database, loads the signing keys and starts serving. Postgres and Redis must be
   * configured ({@code Main} starts embedded ones first in dev mode).
   */
  public static Future<App> start(Vertx vertx, AppConfig config) {
    return start(vertx, config, Clock.systemUTC());
  }

  /** As {@link #start(Vertx, AppConfig)} with a given clock (tests move time: nightly syncs, local days). */
  public static Future<App> start(Vertx vertx, AppConfig config, Clock clock) {
    return start(vertx, config, clock, Metrics.newRegistry());
  }

  /**
   * As {@link #start(Vertx, AppConfig, Clock)}, recording metrics in {@code registry} ({@code Main}
   * passes the one Vert.x reports its own metrics to, so {@code /metrics} shows both).
   */
  public static Future<App> start(Vertx vertx, AppConfig config, Clock clock, MeterRegistry registry) {
    return start(vertx, config, clock, registry, DomainNetwork.system(vertx));
  }

  /**
   * As {@link #start(Vertx, AppConfig, Clock)}, verifying custom URL domains through {@code network}
   * (tests script names and addresses; production is the system resolver and HTTPS on port 443).
   */
  public static Future<App> start(Vertx vertx, AppConfig config, Clock clock, DomainNetwork network) {
    return start(vertx, config, clock, Metrics.newRegistry(), network);
  }

  private static Future<App> start(Vertx vertx, AppConfig config, Clock clock, MeterRegistry registry,
      DomainNetwork network) {
    AppConfig.Postgres pg = config.postgres().orElseThrow(() -> new IllegalStateException("Postgres is not configured"));
    if (config.redisEndpoints().isEmpty()) {
      throw new IllegalStateException("Redis is not configured");
    }
    return vertx.executeBlocking(() -> {
          Migrations.run(pg);
          return new Secrets(loadKeys(config), loadPasswordVault(config));
        }, false)
        .compose(secrets -> {
          Stores stores = Stores.create(vertx, pg, config.redisEndpoints(), config.redisCluster());
          Tracing.keepLinksIn(vertx, stores.redisApi()); // queued checks and sync runs link to the call that queued them
          return wire(vertx, config, clock, secrets, stores, registry, network);
        });
  }

  /** What start-up reads from files: the Okta signing keys and the key sealing waiting passwords. */
  private record Secrets(SigningKeys keys, PasswordVault vault) {}

  private static PasswordVault loadPasswordVault(AppConfig config) throws java.io.IOException {
    if (config.passwordKeyFile().isPresent()) {
      return PasswordVault.load(config.passwordKeyFile().get());
    }
    return PasswordVault.loadOrGenerate(config.devDataDir().resolve("password.key"));
  }

  private static SigningKeys loadKeys(AppConfig config) throws java.io.IOException {
    if (config.signingKeyFile().isPresent()) {
      return SigningKeys.load(config.signingKeyFile().get());
    }
    return SigningKeys.loadOrGenerate(config.devDataDir().resolve("signing-key.pem"));
  }

  /**
   * What every sync run reads of the org besides its users: the lockout threshold, the protected
   * accounts; first, one token for the run's reads of users and policies (not one per scope).
   */
  private static OrgRefresh orgRefresh(OktaClient okta, Stores stores, IntegrationRepository integrations,
      Clock clock) {
    OrgRefresh oneToken = integration -> integration.kind() != Integration.Kind.OKTA ? Future.succeededFuture(true)
        : okta.shareToken(integration.oktaApp(), Usage.named("sync"), Set.of(OktaOrg.USERS_READ,
            OktaOrg.POLICIES_READ)).map(true);
    return OrgRefresh.all(oneToken, new LockoutThresholds(okta, stores.pg(), integrations)::refresh,
        new ProtectedAccounts(okta, stores.pg(), clock)::refresh);
  }

  private static Future<App> wire(Vertx vertx, AppConfig config, Clock clock, Secrets secrets, Stores stores,
      MeterRegistry registry, DomainNetwork network) {
    SigningKeys keys = secrets.keys();
    Readiness readiness = new Readiness(vertx, stores);
    Metrics metrics = new Metrics(registry, GrpcVerticle.methodsOf(List.of(
        IntegrationConfigServiceGrpcService.SERVICE_DESCRIPTOR, IdentitySyncServiceGrpcService.SERVICE_DESCRIPTOR,
        CredentialCheckServiceGrpcService.SERVICE_DESCRIPTOR)));
    WebClient web = oktaWebClient(vertx, config);
    // every integration signs with a key of its own, sealed under one derived from IEM_SIGNING_KEY_FILE
    var integrationKeys = new IntegrationKeys(vertx, stores.pg(), keys.sealingBoxes(IntegrationKeys.SEALING_LABEL),
        config.publicBaseUrl(), clock);
    OktaClient okta = oktaClient(vertx, config, web, integrationKeys, clock, metrics);
    var integrations = new IntegrationRepository();
    var tenants = new TenantRepository(TenantSettings.DEFAULT_IDENTIFIER_CAP);
    var diagnostics = new OktaDiagnostics(okta, stores.pg(), integrations, integrationKeys, clock,
        config.okta().egressAddresses());
    String replica = replicaId();
    // exposure cases (issue 16): opened by checks, resolved by syncs and re-reads
    ExposureCapability exposure = ExposureCapability.create(stores.pg(), integrations, integrationKeys, okta, metrics,
        clock, ExposureSettings.DEFAULTS);
    IdentitySyncCapability sync = IdentitySyncCapability.create(vertx, stores.pg(), integrations, tenants,
        new OktaUserSources(okta, config.sync().oktaShare()), orgRefresh(okta, stores, integrations, clock),
        SyncSettings.from(config.sync()), clock, replica, metrics, exposure.exposures());
    CredentialCheckCapability checks = CredentialCheckCapability.create(vertx, stores, okta, secrets.vault(),
        integrations, tenants, sync.identities(), clock, CheckSettings.from(config.checks(),
        config.okta().requestTimeout()), replica, metrics, config.shutdownGrace(), config.checks().feedRetention(),
        exposure);
    // on delete, checks go before identities: a check refers to its identity
    CustomDomains customDomains = CustomDomains.create(vertx, network, config.oktaInsecureHosts());
    var integrationConfig = new IntegrationConfigEndpoint(stores.pg(), integrations, tenants,
        config.oktaInsecureHosts(), customDomains, diagnostics, integrationKeys, clock,
        List.of(exposure.lifecycle(), checks.lifecycle(), sync.lifecycle()));
    List<Service> services = List.of(
        IntegrationConfigServiceGrpcService.of(integrationConfig),
        IdentitySyncServiceGrpcService.of(sync.endpoint()),
        CredentialCheckServiceGrpcService.of(checks.endpoint()));
    HttpEndpoints http = new HttpEndpoints(integrationKeys, readiness, metrics);
    List<String> deployments = new ArrayList<>();
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    RetentionVerticle retention = RetentionVerticle.of(stores.pg(), clock, config.retention());
    return deployWorkers(vertx, deployments, List.of(sync.worker(), checks.worker(), exposure.worker(), retention))
        .compose(workers -> CallerAuth.verifier(vertx, config))
        .map(verifier -> verifier.<GrpcEdge.Gate>map(v -> new AuthGate(v, GrpcEdge.streamingMethods(services)))
            .orElseGet(OpenGate::new))
        .compose(gate -> deployScaled(vertx, deployments, instances, config.grpcPort(), 1,
            port -> new GrpcVerticle(config.bindHost(), port, config.grpcTls(), services, gate, readiness,
                config.shutdownGrace(), metrics),
            GrpcVerticle::actualPort)
        .compose(grpcPort -> deployScaled(vertx, deployments, 1, config.httpPort(), 2,
                port -> new HttpVerticle(config.bindHost(), port, http), HttpVerticle::actualPort)
            .map(httpPort -> new App(vertx, stores, readiness, deployments, grpcPort, httpPort, web, okta,
                customDomains, config.shutdownGrace()))))
        .onSuccess(app -> LOG.atInfo().addKeyValue("grpc_port", app.grpcPort).addKeyValue("http_port", app.httpPort)
            .addKeyValue("sealing_keys", keys.size()).addKeyValue("dev_mode", config.dev())
            .addKeyValue("okta_insecure_hosts", config.oktaInsecureHosts()).log("iem-okta serving"))
        .onFailure(error -> stores.close());
  }

  /** Deploys the per-replica workers in order, each deployment id added to {@code ids}. */
  private static Future<Void> deployWorkers(Vertx vertx, List<String> ids, List<io.vertx.core.Deployable> workers) {
    Future<Void> chain = Future.succeededFuture();
    for (io.vertx.core.Deployable worker : workers) {
      chain = chain.compose(ignored -> vertx.deployVerticle(worker).map(id -> {
        ids.add(id);
        return null;
      }));
    }
    return chain;
  }

  /** Okta, as every capability reaches it: the integrations' keys sign, the configured limits hold. */
  private static OktaClient oktaClient(Vertx vertx, AppConfig config, WebClient web, IntegrationKeys keys, Clock clock,
      Metrics metrics) {
    return new OktaClient(vertx, web, keys, config.oktaInsecureHosts(), OktaClientOptions.defaults()
        .withRequestTimeout(config.okta().requestTimeout())
        .withMaxConcurrentPerOrg(config.okta().maxConcurrentPerOrg()), Clock.systemUTC(), // Okta checks real time
        clock, new OktaMetrics(metrics)); // our own waits (probes of an org refusing our address) follow the service's
  }

  /** The one outbound HTTP client for Okta: explicit timeouts, keep-alive, never follows a redirect. */
  private static WebClient oktaWebClient(Vertx vertx, AppConfig config) {
    return WebClient.create(vertx, new WebClientOptions()
            .setFollowRedirects(false)
            .setConnectTimeout(5_000)
            .setIdleTimeout(60)
            .setKeepAlive(true)
            .setUserAgent(OktaClient.USER_AGENT)
            // a span (and a traceparent header) only for a request made within a traced call or run
            .setTracingPolicy(TracingPolicy.PROPAGATE),
        new PoolOptions().setHttp1MaxSize(config.okta().maxConcurrentPerOrg() * 2));
  }

  /**
   * Deploys {@code instances} copies sharing one listening port. Port 0 becomes a negative port,
   * which Vert.x reads as "one random port shared by every server using this same value".
   */
  private static <V extends io.vertx.core.VerticleBase> Future<Integer> deployScaled(Vertx vertx, List<String> ids,
      int instances, int port, int sharedRandomKey, Function<Integer, V> factory, Function<V, Integer> actualPort) {
    int listenPort = port == 0 ? -sharedRandomKey : port;
    List<V> created = new java.util.concurrent.CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> {
          V verticle = factory.apply(listenPort);
          created.add(verticle);
          return verticle;
        }, new DeploymentOptions().setInstances(instances))
        .map(id -> {
          ids.add(id);
          return actualPort.apply(created.get(0));
        });
  }

  /** Identifies this replica as a lease holder: host, process and instance. */
  private static String replicaId() {
    return java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "/"
        + java.util.UUID.randomUUID().toString().substring(0, 8);
  }

  public int grpcPort() {
    return grpcPort;
  }

  public int httpPort() {
    return httpPort;
  }

  public Stores stores() {
    return stores;
  }

  public Readiness readiness() {
    return readiness;
  }

  /** The Okta client every capability shares. */
  public OktaClient okta() {
    return okta;
  }

  /**
   * Graceful shutdown, within the grace period: readiness turns false at once (load balancers stop
   * sending), the gRPC port closes while calls in flight finish, sync runs finish their current
   * batch and release their leases to other replicas; the HTTP port (probes, JWKS) closes last.
   */
  public Future<Void> stop() {
    readiness.drain();
    LOG.atInfo().addKeyValue("grace_seconds", grace.toSeconds()).log("iem-okta stopping");
    List<String> ingressAndWorkers = deployments.subList(0, deployments.size() - 1);
    String http = deployments.get(deployments.size() - 1);
    List<Future<Void>> undeploys = new ArrayList<>();
    for (String id : ingressAndWorkers) {
      undeploys.add(vertx.undeploy(id));
    }
    return Future.join(undeploys)
        .timeout(grace.toMillis(), TimeUnit.MILLISECONDS)
        .transform(ignored -> vertx.undeploy(http))
        .transform(ignored -> {
          web.close();
          customDomains.close();
          return stores.close();
        })
        .onComplete(ignored -> LOG.info("iem-okta stopped"));
  }

}
