package io.flare.iem.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import io.flare.iem.callerauth.Caller;
import io.flare.iem.callerauth.IssuerKeys;
import io.flare.iem.callerauth.TokenVerifier;
import io.flare.iem.config.CallerAuthConfig;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.v1.ApproveMitigationRequest;
import io.flare.iem.v1.ApproveMitigationResponse;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.CredentialCheckServiceGrpcService;
import io.flare.iem.v1.CredentialCheckServiceService;
import io.flare.iem.v1.IdentitySyncServiceGrpcService;
import io.flare.iem.v1.IdentitySyncServiceService;
import io.flare.iem.v1.IntegrationConfigServiceGrpcService;
import io.flare.iem.v1.IntegrationConfigServiceService;
import io.flare.iem.v1.Mitigation;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.Service;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The production gate on a bare Vert.x gRPC server whose CredentialCheck service echoes: a stream
 * ends UNAUTHENTICATED when its token expires (no clock skew here), and its timer is disarmed when
 * the call ends first; a unary call arms none; the issuer's keys past the staleness bound answer
 * UNAVAILABLE; approving needs its own scope. Token expiry runs on the real clock; the age of the
 * issuer's keys on a clock the test moves.
 */
class AuthGateTest {

  static final TestIssuer issuer = TestIssuer.create(Path.of("target", "auth-gate-test"));
  static final CallerAuthConfig NO_SKEW = new CallerAuthConfig(TestIssuer.ISSUER, TestIssuer.AUDIENCE,
      new CallerAuthConfig.Jwks(Optional.of(issuer.jwksFile()), Optional.empty()), Duration.ZERO);

  Vertx vertx;
  ManagedChannel channel;
  AuthGate gate;
  final MutableClock keysClock = MutableClock.now();
  volatile boolean issuerDown;
  volatile Promise<CheckCredentialResponse> unaryAnswer;
  volatile boolean unaryReached;

  /** Echoes each message of a stream until the client half-closes; the unary call answers when the test says. */
  final class EchoService extends CredentialCheckServiceService {
    @Override
    public Future<CheckCredentialResponse> checkCredential(CheckCredentialRequest request) {
      Promise<CheckCredentialResponse> answer = unaryAnswer;
      unaryReached = true;
      return answer != null ? answer.future() : Future.succeededFuture(CheckCredentialResponse.getDefaultInstance());
    }

    @Override
    protected void checkCredentials(ReadStream<CheckCredentialsRequest> requests,
        WriteStream<CheckCredentialsResponse> responses) {
      requests.handler(m -> responses.write(CheckCredentialsResponse.newBuilder().setRequestId(m.getRequestId()).build()))
          .endHandler(v -> responses.end());
    }

    @Override
    public Future<ApproveMitigationResponse> approveMitigation(ApproveMitigationRequest request) {
      return Future.succeededFuture(ApproveMitigationResponse.newBuilder()
          .setMitigation(Mitigation.newBuilder().setMitigationId(request.getMitigationId())).build());
    }
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    IssuerKeys keys = new IssuerKeys(new IssuerKeys.Source() {
      @Override
      public Future<String> fetch() {
        return issuerDown ? Future.failedFuture("issuer down")
            : Future.succeededFuture(new JWKSet(List.of(issuer.rsaKey().toPublicJWK())).toString());
      }

      @Override
      public String describe() {
        return "test";
      }
    }, keysClock, Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofHours(1));
    Await.result(keys.load());
    Service service = CredentialCheckServiceGrpcService.of(new EchoService());
    gate = new AuthGate(new TokenVerifier(keys, NO_SKEW, Clock.systemUTC()), GrpcEdge.streamingMethods(List.of(service)));
    GrpcServer grpc = GrpcServer.server(vertx);
    grpc.addService(GrpcEdge.guard(service, gate));
    HttpServer server = Await.result(vertx.createHttpServer()
        .requestHandler(request -> GrpcEdge.serve(grpc, request, () -> {}))
        .listen(0, "127.0.0.1"));
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.actualPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    Await.result(vertx.close());
  }

  @Test
  void the_streaming_methods_of_our_services_are_check_credentials_and_watch_sync_run() {
    assertThat(GrpcEdge.streamingMethods(List.of(CredentialCheckServiceGrpcService.of(new EchoService()),
        IdentitySyncServiceGrpcService.of(new IdentitySyncServiceService()),
        IntegrationConfigServiceGrpcService.of(new IntegrationConfigServiceService()))))
        .containsExactlyInAnyOrder("flare.iem.v1.CredentialCheckService/CheckCredentials",
            "flare.iem.v1.IdentitySyncService/WatchSyncRun");
  }

  @Test
  void a_stream_ends_unauthenticated_at_its_tokens_expiry_and_keeps_what_it_answered() throws Exception {
    Instant expiry = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS); // exp has whole seconds
    Stream stream = open(issuer.token().tenants("acme").expiresAt(expiry).sign());

    stream.send("r1");
    Await.until(() -> stream.echoed().contains("r1"), Duration.ofSeconds(10), "the first answer");
    Status status = stream.done.get(30, TimeUnit.SECONDS); // waits for the stream's end, whatever it is

    assertThat(status.getCode()).as("%s", status).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("expired during the stream");
    assertThat(stream.endedAt).isAfterOrEqualTo(expiry);
    assertThat(stream.echoed()).containsExactly("r1");
    assertThat(gate.armedTimers()).isZero();
  }

  @Test
  void a_stream_that_ends_before_its_token_expires_disarms_its_timer() throws Exception {
    Stream stream = open(issuer.token().tenants("acme").expiresAt(Instant.now().plus(Duration.ofHours(1))).sign());
    stream.send("r1");
    Await.until(() -> gate.armedTimers() == 1, Duration.ofSeconds(10), "the stream's expiry timer to be armed");

    stream.requests.onCompleted();

    assertThat(stream.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    Await.until(() -> gate.armedTimers() == 0, Duration.ofSeconds(10), "the timer to be cancelled at the call's end");
    assertThat(gate.armedTimers()).isZero();
  }

  @Test
  void a_unary_call_arms_no_timer() throws Exception {
    unaryAnswer = Promise.promise();
    String token = issuer.token().tenants("acme").expiresAt(Instant.now().plus(Duration.ofHours(1))).sign();
    var stub = CredentialCheckServiceGrpc.newFutureStub(channel).withInterceptors(RunningService.bearer(token))
        .withDeadlineAfter(10, TimeUnit.SECONDS);

    var pending = stub.checkCredential(CheckCredentialRequest.newBuilder().setTenantId("acme").build());
    Await.until(() -> unaryReached, Duration.ofSeconds(10), "the unary call to reach the service");
    assertThat(gate.armedTimers()).as("while the call is open").isZero();
    unaryAnswer.complete(CheckCredentialResponse.newBuilder().setCheck(CredentialCheck.newBuilder().setCheckId("c1"))
        .build());

    assertThat(pending.get(10, TimeUnit.SECONDS).getCheck().getCheckId()).isEqualTo("c1");
  }

  @Test
  void issuer_keys_past_the_staleness_bound_refuse_calls_as_unavailable_and_before_it_they_verify() {
    String token = issuer.token().tenants("acme").expiresAt(Instant.now().plus(Duration.ofHours(3))).sign();
    issuerDown = true;

    keysClock.advance(Duration.ofMinutes(59));
    assertThat(unary(token).getCode()).isEqualTo(Status.Code.OK);
    keysClock.advance(Duration.ofMinutes(2));
    Status refused = unary(token);

    assertThat(refused.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refused.getDescription()).contains("issuer's keys could not be read again");
  }

  @Test
  void approving_needs_the_approval_scope_or_the_admin_scope_as_well_as_the_tenant() {
    String read = issuer.token().tenants("acme").scope("iem.read").sign();
    String approver = issuer.token().tenants("acme").scope(Caller.APPROVE_MITIGATIONS_SCOPE).sign();
    String admin = issuer.token().tenants("acme").scope(Caller.ADMIN_SCOPE).sign();
    String otherTenant = issuer.token().tenants("globex").scope(Caller.APPROVE_MITIGATIONS_SCOPE).sign();

    Status denied = approve(read);

    assertThat(denied.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(denied.getDescription()).contains("iem.mitigations.approve");
    assertThat(approve(approver).getCode()).isEqualTo(Status.Code.OK);
    assertThat(approve(admin).getCode()).isEqualTo(Status.Code.OK);
    assertThat(approve(otherTenant).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private Status unary(String token) {
    try {
      CredentialCheckServiceGrpc.newBlockingStub(channel).withInterceptors(RunningService.bearer(token))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .checkCredential(CheckCredentialRequest.newBuilder().setTenantId("acme").build());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  private Status approve(String token) {
    try {
      CredentialCheckServiceGrpc.newBlockingStub(channel).withInterceptors(RunningService.bearer(token))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .approveMitigation(ApproveMitigationRequest.newBuilder().setTenantId("acme").setMitigationId("m1").build());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  /** One CheckCredentials stream for tenant acme: what it echoed, and its final status and when. */
  final class Stream {
    final List<String> echoed = new ArrayList<>();
    final CompletableFuture<Status> done = new CompletableFuture<>();
    volatile Instant endedAt;
    StreamObserver<CheckCredentialsRequest> requests;

    void send(String requestId) {
      requests.onNext(CheckCredentialsRequest.newBuilder().setTenantId("acme").setRequestId(requestId)
          .setUsername("u").setPassword("p").build());
    }

    synchronized List<String> echoed() {
      return List.copyOf(echoed);
    }
  }

  private Stream open(String token) {
    Stream stream = new Stream();
    var stub = CredentialCheckServiceGrpc.newStub(channel).withInterceptors(RunningService.bearer(token))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
    stream.requests = stub.checkCredentials(new StreamObserver<>() {
      @Override
      public void onNext(CheckCredentialsResponse value) {
        synchronized (stream) {
          stream.echoed.add(value.getRequestId());
        }
      }

      @Override
      public void onError(Throwable t) {
        stream.endedAt = Instant.now();
        stream.done.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        stream.endedAt = Instant.now();
        stream.done.complete(Status.OK);
      }
    });
    return stream;
  }
}
