package io.flare.iem.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.callerauth.Caller;
import io.flare.iem.testing.Await;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.CredentialCheckServiceGrpcService;
import io.flare.iem.v1.CredentialCheckServiceService;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tenant check of every request message, on a bare Vert.x gRPC server whose CredentialCheck
 * service echoes what it receives, read the ways a service may read a stream: a handler, a
 * handler under explicit flow control, or {@code collect}. The caller may act for {@code acme} only.
 */
class TenantCheckedRequestTest {

  enum Reading { HANDLER, FLOW_CONTROLLED, COLLECT }

  static final Caller ACME_ONLY = new Caller("svc-test", Set.of("acme"), Set.of());

  Vertx vertx;
  ManagedChannel channel;
  volatile Reading reading = Reading.HANDLER;
  final AtomicInteger unaryCalls = new AtomicInteger();

  /** Echoes each message of a stream back with its request id; the unary call answers with it too. */
  final class EchoService extends CredentialCheckServiceService {
    @Override
    public Future<CheckCredentialResponse> checkCredential(CheckCredentialRequest request) {
      unaryCalls.incrementAndGet();
      return Future.succeededFuture(CheckCredentialResponse.newBuilder()
          .setCheck(CredentialCheck.newBuilder().setCheckId(request.getRequestId())).build());
    }

    @Override
    protected void checkCredentials(ReadStream<CheckCredentialsRequest> requests,
        WriteStream<CheckCredentialsResponse> responses) {
      switch (reading) {
        case HANDLER -> requests.handler(m -> responses.write(echo(m))).endHandler(v -> responses.end());
        case FLOW_CONTROLLED -> {
          requests.pause();
          requests.handler(m -> vertx.setTimer(5, t -> {
            responses.write(echo(m));
            requests.fetch(1);
          }));
          requests.endHandler(v -> vertx.setTimer(20, t -> responses.end()));
          requests.fetch(1);
        }
        case COLLECT -> requests.collect(Collectors.toList()).onSuccess(all -> {
          all.forEach(m -> responses.write(echo(m)));
          responses.end();
        });
        default -> throw new AssertionError(reading);
      }
    }

    private CheckCredentialsResponse echo(CheckCredentialsRequest m) {
      return CheckCredentialsResponse.newBuilder().setRequestId(m.getRequestId()).build();
    }
  }

  /** What {@link AuthGate} does once the token is verified, for a fixed caller. */
  static final class AcmeOnlyGate implements GrpcEdge.Gate {
    @Override
    public <Req, Resp> void handle(GrpcServerRequest<Req, Resp> request, Handler<GrpcServerRequest<Req, Resp>> next) {
      TenantCheckedRequest.admit(Vertx.currentContext(), request, ACME_ONLY, next);
    }
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    GrpcServer grpc = GrpcServer.server(vertx);
    grpc.addService(GrpcEdge.guard(CredentialCheckServiceGrpcService.of(new EchoService()), new AcmeOnlyGate()));
    HttpServer server = Await.result(vertx.createHttpServer().requestHandler(grpc).listen(0, "127.0.0.1"));
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.actualPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    Await.result(vertx.close());
  }

  @Test
  void every_message_of_a_stream_is_checked_and_a_foreign_one_ends_it() throws Exception {
    Outcome outcome = stream(List.of(message("acme", "r1"), message("acme", "r2"), message("globex", "r3"),
        message("acme", "r4")), false);

    assertThat(outcome.echoed).containsExactly("r1", "r2");
    assertThat(outcome.status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(outcome.status.getDescription()).isEqualTo("the caller may not act for tenant 'globex'");
  }

  @Test
  void a_stream_of_allowed_messages_reaches_the_service_whole() throws Exception {
    Outcome outcome = stream(List.of(message("acme", "r1"), message("acme", "r2"), message("acme", "r3")), true);

    assertThat(outcome.echoed).containsExactly("r1", "r2", "r3");
    assertThat(outcome.status.getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void a_service_under_flow_control_gets_each_message_as_it_asks() throws Exception {
    reading = Reading.FLOW_CONTROLLED;

    Outcome outcome = stream(List.of(message("acme", "r1"), message("acme", "r2"), message("acme", "r3")), true);

    assertThat(outcome.echoed).containsExactly("r1", "r2", "r3");
    assertThat(outcome.status.getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void a_service_under_flow_control_never_sees_a_foreign_message() throws Exception {
    reading = Reading.FLOW_CONTROLLED;

    Outcome outcome = stream(List.of(message("acme", "r1"), message("globex", "r2"), message("acme", "r3")), true);

    assertThat(outcome.echoed).doesNotContain("r2", "r3");
    assertThat(outcome.status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void a_service_that_collects_the_stream_gets_only_checked_messages() throws Exception {
    reading = Reading.COLLECT;

    Outcome allowed = stream(List.of(message("acme", "r1"), message("acme", "r2")), true);
    Outcome mixed = stream(List.of(message("acme", "r1"), message("globex", "r2")), true);

    assertThat(allowed.echoed).containsExactly("r1", "r2");
    assertThat(mixed.echoed).isEmpty();
    assertThat(mixed.status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void an_empty_stream_still_reaches_the_service() throws Exception {
    Outcome outcome = stream(List.of(), true);

    assertThat(outcome.echoed).isEmpty();
    assertThat(outcome.status.getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void a_unary_call_for_another_tenant_never_reaches_the_service() {
    var stub = CredentialCheckServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);

    var answer = stub.checkCredential(CheckCredentialRequest.newBuilder().setTenantId("acme").setRequestId("u1").build());
    assertThatThrownBy(() -> stub.checkCredential(CheckCredentialRequest.newBuilder().setTenantId("globex").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(() -> stub.checkCredential(CheckCredentialRequest.newBuilder().setTenantId("").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getDescription()).isEqualTo("tenant_id: is required"));

    assertThat(answer.getCheck().getCheckId()).isEqualTo("u1");
    assertThat(unaryCalls).hasValue(1);
  }

  // ---- helpers --------------------------------------------------------------------------------

  record Outcome(List<String> echoed, Status status) {}

  private static CheckCredentialsRequest message(String tenant, String requestId) {
    return CheckCredentialsRequest.newBuilder().setTenantId(tenant).setRequestId(requestId).setUsername("u")
        .setPassword("p").build();
  }

  /** Sends the messages (then half-closes if asked) and waits for the call to end. */
  private Outcome stream(List<CheckCredentialsRequest> messages, boolean halfClose) throws Exception {
    List<String> echoed = new ArrayList<>();
    CompletableFuture<Status> done = new CompletableFuture<>();
    var stub = CredentialCheckServiceGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    StreamObserver<CheckCredentialsRequest> requests = stub.checkCredentials(new StreamObserver<>() {
      @Override
      public void onNext(CheckCredentialsResponse value) {
        synchronized (echoed) {
          echoed.add(value.getRequestId());
        }
      }

      @Override
      public void onError(Throwable t) {
        done.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        done.complete(Status.OK);
      }
    });
    messages.forEach(requests::onNext);
    if (halfClose) {
      requests.onCompleted();
    }
    Status status = done.get(10, TimeUnit.SECONDS);
    synchronized (echoed) {
      return new Outcome(List.copyOf(echoed), status);
    }
  }
}
