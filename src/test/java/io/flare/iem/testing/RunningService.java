package io.flare.iem.testing;

import io.flare.iem.App;
import io.flare.iem.config.AppConfig;
import io.flare.iem.okta.DomainNetwork;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.IdentitySyncServiceGrpc;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One started service (production wiring, real Postgres and Redis) plus grpc-java stubs, the
 * client other Flare services use. {@link #channel} calls with an all-tenants {@code iem.admin}
 * token of {@link TestIssuer#shared()}; {@link #channelWithToken} and {@link #anonymousChannel}
 * call as someone else. Close it after the test class.
 */
public final class RunningService implements AutoCloseable {

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  public final Vertx vertx;
  public final App app;
  public final AppConfig config;
  public final ManagedChannel channel;
  public final ManagedChannel anonymousChannel;
  private final List<ManagedChannel> extraChannels = new ArrayList<>();

  private RunningService(Vertx vertx, App app, AppConfig config) {
    this.vertx = vertx;
    this.app = app;
    this.config = config;
    this.channel = plaintext(bearer(TestIssuer.shared().adminToken()));
    this.anonymousChannel = plaintext();
  }

  /** Starts a service on its own fresh database. */
  public static RunningService start() {
    return start(TestServers.config(TestServers.newDatabase()));
  }

  public static RunningService start(AppConfig config) {
    return start(config, java.time.Clock.systemUTC());
  }

  /** As {@link #start(AppConfig)} with a clock the test moves. No custom URL domain resolves. */
  public static RunningService start(AppConfig config, java.time.Clock clock) {
    return start(config, clock, new ScriptedDomains());
  }

  /** As {@link #start(AppConfig, java.time.Clock)}, custom URL domains resolving and answering as {@code network} says. */
  public static RunningService start(AppConfig config, java.time.Clock clock, DomainNetwork network) {
    Vertx vertx = Vertx.vertx();
    App app = Await.result(App.start(vertx, config, clock, network));
    return new RunningService(vertx, app, config);
  }

  /**
   * As {@link #start(AppConfig, java.time.Clock)} on {@code vertx}, one the test built (with a
   * tracer, for example); closing the service closes it.
   */
  public static RunningService on(Vertx vertx, AppConfig config, java.time.Clock clock) {
    App app = Await.result(App.start(vertx, config, clock, new ScriptedDomains()));
    return new RunningService(vertx, app, config);
  }

  /** A channel whose calls carry {@code authorization: Bearer <token>}; closed with the service. */
  public synchronized ManagedChannel channelWithToken(String token) {
    ManagedChannel extra = plaintext(bearer(token));
    extraChannels.add(extra);
    return extra;
  }

  /**
   * Attaches a fresh admin token ({@link TestIssuer#adminToken}, valid 5 minutes) to every call,
   * signed again once the last is a minute old: for clients that outlive one token (a benchmark
   * polling a ten-minute sync).
   */
  public static ClientInterceptor freshAdminBearer() {
    return new ClientInterceptor() {
      private String token;
      private long signedAt;

      private synchronized String current() {
        if (token == null || System.nanoTime() - signedAt > TimeUnit.MINUTES.toNanos(1)) {
          token = TestIssuer.shared().adminToken();
          signedAt = System.nanoTime();
        }
        return token;
      }

      @Override
      public <Q, A> io.grpc.ClientCall<Q, A> interceptCall(io.grpc.MethodDescriptor<Q, A> method,
          io.grpc.CallOptions options, io.grpc.Channel next) {
        return bearer(current()).interceptCall(method, options, next);
      }
    };
  }

  /** Attaches {@code authorization: Bearer <token>} to every call. */
  public static ClientInterceptor bearer(String token) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  private ManagedChannel plaintext(ClientInterceptor... interceptors) {
    return ManagedChannelBuilder.forAddress("127.0.0.1", app.grpcPort()).usePlaintext().intercept(interceptors).build();
  }

  public IntegrationConfigServiceGrpc.IntegrationConfigServiceBlockingStub integrations() {
    return IntegrationConfigServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public IdentitySyncServiceGrpc.IdentitySyncServiceBlockingStub sync() {
    return IdentitySyncServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public CredentialCheckServiceGrpc.CredentialCheckServiceBlockingStub checks() {
    return CredentialCheckServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public String httpBase() {
    return "http://127.0.0.1:" + app.httpPort();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    anonymousChannel.shutdownNow();
    synchronized (this) {
      extraChannels.forEach(ManagedChannel::shutdownNow);
    }
    try {
      Await.result(app.stop(), 30);
    } finally {
      Await.result(vertx.close(), 30);
    }
  }
}
