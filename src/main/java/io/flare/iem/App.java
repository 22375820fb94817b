package io.flare.iem;

import io.flare.iem.callerauth.CallerAuth;
import io.flare.iem.config.AppConfig;
import io.flare.iem.credentialcheck.CredentialCheckEndpoint;
import io.flare.iem.http.HttpEndpoints;
import io.flare.iem.identitysync.IdentitySyncEndpoint;
import io.flare.iem.integrationconfig.IntegrationConfigEndpoint;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.keys.SigningKeys;
import io.flare.iem.storage.Migrations;
import io.flare.iem.storage.Readiness;
import io.flare.iem.storage.Stores;
import io.flare.iem.v1.CredentialCheckServiceGrpcService;
import io.flare.iem.v1.IdentitySyncServiceGrpcService;
import io.flare.iem.v1.IntegrationConfigServiceGrpcService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.server.Service;
import java.util.ArrayList;
import java.util.List;
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
  static final int DEFAULT_IDENTIFIER_CAP = 10_000;

  private final Vertx vertx;
  private final Stores stores;
  private final Readiness readiness;
  private final List<String> deployments;
  private final int grpcPort;
  private final int httpPort;

  private App(Vertx vertx, Stores stores, Readiness readiness, List<String> deployments, int grpcPort, int httpPort) {
    this.vertx = vertx;
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
    AppConfig.Postgres pg = config.postgres().orElseThrow(() -> new IllegalStateException("Postgres is not configured"));
    String redisUrl = config.redisUrl().orElseThrow(() -> new IllegalStateException("Redis is not configured"));
    return vertx.executeBlocking(() -> {
          Migrations.run(pg);
          return loadKeys(config);
        }, false)
        .compose(keys -> wire(vertx, config, keys, Stores.create(vertx, pg, redisUrl)));
  }

  private static SigningKeys loadKeys(AppConfig config) throws java.io.IOException {
    if (config.signingKeyFile().isPresent()) {
      return SigningKeys.load(config.signingKeyFile().get());
    }
    return SigningKeys.loadOrGenerate(config.devDataDir().resolve("signing-key.pem"));
  }

  private static Future<App> wire(Vertx vertx, AppConfig config, SigningKeys keys, Stores stores) {
    Readiness readiness = new Readiness(vertx, stores);
    var integrationConfig = new IntegrationConfigEndpoint(stores.pg(), new IntegrationRepository(),
        new TenantRepository(DEFAULT_IDENTIFIER_CAP), config.oktaInsecureHosts(), null);
    List<Service> services = List.of(
        IntegrationConfigServiceGrpcService.of(integrationConfig),
        IdentitySyncServiceGrpcService.of(new IdentitySyncEndpoint()),
        CredentialCheckServiceGrpcService.of(new CredentialCheckEndpoint()));
    HttpEndpoints http = new HttpEndpoints(keys, readiness);
    List<String> deployments = new ArrayList<>();
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    return CallerAuth.gate(vertx, config)
        .compose(gate -> deployScaled(vertx, deployments, instances, config.grpcPort(), 1,
            port -> new GrpcVerticle(config.bindHost(), port, config.grpcTls(), services, gate, readiness),
            GrpcVerticle::actualPort))
        .compose(grpcPort -> deployScaled(vertx, deployments, 1, config.httpPort(), 2,
                port -> new HttpVerticle(config.bindHost(), port, http), HttpVerticle::actualPort)
            .map(httpPort -> new App(vertx, stores, readiness, deployments, grpcPort, httpPort)))
        .onSuccess(app -> LOG.atInfo().addKeyValue("grpc_port", app.grpcPort).addKeyValue("http_port", app.httpPort)
            .addKeyValue("signing_keys", keys.size()).log("iem-okta serving"))
        .onFailure(error -> stores.close());
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

  /** Stops serving and closes the stores. */
  public Future<Void> stop() {
    readiness.drain();
    List<Future<Void>> undeploys = new ArrayList<>();
    for (String id : deployments) {
      undeploys.add(vertx.undeploy(id));
    }
    return Future.join(undeploys).transform(ignored -> stores.close());
  }
}
