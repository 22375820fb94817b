package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CheckCredentials: one response per request, matched by request id, bad items answered with an
 * item error while the stream goes on, and end-to-end flow control: a client that stops reading
 * soon cannot send any more, because the server stops reading instead of buffering.
 */
class CheckStreamTest {

  static CheckHarness h;

  @BeforeAll
  static void start() {
    h = CheckHarness.start(CheckHarness.setup().maxDaily(1).lockoutThreshold(10));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void every_request_gets_one_response_matched_by_request_id_and_bad_items_do_not_end_the_stream()
      throws Exception {
    CheckHarness.User u = h.user("streamed");
    List<CheckCredentialsRequest> requests = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      var r = CheckCredentialsRequest.newBuilder().setTenantId(h.tenant).setRequestId("item-" + i)
          .setUsername("unknown" + i + "@" + h.tenant + ".example").setPassword("pw-" + i);
      if (i % 10 == 3) {
        r.setUsername(""); // bad: INVALID_ARGUMENT for this item only
      }
      if (i == 7) {
        r.setUsername(u.login()).setPassword(u.password()); // a real hit in the middle
      }
      requests.add(r.build());
    }
    requests.add(CheckCredentialsRequest.newBuilder().setTenantId(h.tenant).setUsername("x@y.example")
        .setPassword("no-request-id").build());

    List<CheckCredentialsResponse> responses = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    var in = CredentialCheckServiceGrpc.newStub(h.service().channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .checkCredentials(new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(CheckCredentialsResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {
            failure.set(t);
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    requests.forEach(in::onNext);
    in.onCompleted();

    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(failure.get()).isNull();
    assertThat(responses).hasSize(301);
    Map<String, CheckCredentialsResponse> byId = new HashMap<>();
    responses.stream().filter(r -> !r.getRequestId().isEmpty()).forEach(r -> byId.put(r.getRequestId(), r));
    assertThat(byId).hasSize(300);
    for (int i = 0; i < 300; i++) {
      CheckCredentialsResponse r = byId.get("item-" + i);
      if (i % 10 == 3) {
        assertThat(r.hasError()).isTrue();
        assertThat(r.getError().getCode()).isEqualTo(3);
        assertThat(r.getError().getMessage()).startsWith("username:");
      } else {
        assertThat(r.hasCheck()).as("item-" + i).isTrue();
        assertThat(r.getCheck().getRequestId()).isEqualTo("item-" + i);
        assertThat(r.getCheck().getOutcome()).isEqualTo(i == 7 ? CheckOutcome.CHECK_OUTCOME_VALID
            : CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
      }
    }
    CheckCredentialsResponse missingId = responses.stream().filter(r -> r.getRequestId().isEmpty()).findFirst()
        .orElseThrow();
    assertThat(missingId.getError().getMessage()).startsWith("request_id: is required in a stream");
  }

  @Test
  void a_client_that_does_not_read_is_held_back_by_flow_control_and_everything_completes_once_it_reads()
      throws Exception {
    int total = 20_000;
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", h.service().app.grpcPort()).usePlaintext()
        .flowControlWindow(64 * 1024)
        .intercept(io.flare.iem.testing.RunningService.bearer(io.flare.iem.testing.TestIssuer.shared().adminToken()))
        .build();
    try {
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger received = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(1);
      AtomicReference<ClientCallStreamObserver<CheckCredentialsRequest>> outbound = new AtomicReference<>();
      CredentialCheckServiceGrpc.newStub(channel).withDeadlineAfter(180, TimeUnit.SECONDS)
          .checkCredentials(new ClientResponseObserver<CheckCredentialsRequest, CheckCredentialsResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<CheckCredentialsRequest> requests) {
              outbound.set(requests);
              requests.disableAutoRequestWithInitial(0); // read nothing until told to
              requests.setOnReadyHandler(() -> {
                while (requests.isReady() && sent.get() < total) {
                  int i = sent.getAndIncrement();
                  requests.onNext(CheckCredentialsRequest.newBuilder().setTenantId(h.tenant).setRequestId("fc-" + i)
                      .setUsername("nobody" + i + "@flow.example").setPassword("pw").build());
                }
                if (sent.get() == total) {
                  sent.incrementAndGet(); // complete once
                  requests.onCompleted();
                }
              });
            }

            @Override
            public void onNext(CheckCredentialsResponse value) {
              received.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
              done.countDown();
            }

            @Override
            public void onCompleted() {
              done.countDown();
            }
          });

      // let the client push as much as the server accepts, while it reads no response
      int last = -1;
      while (sent.get() != last) {
        last = sent.get();
        Thread.sleep(1_500);
      }
      int sentWithoutReading = sent.get();
      // what HTTP/2 windows and the server's 1,024 in-flight checks hold, not the whole stream
      assertThat(sentWithoutReading).as("requests the server took while the client read nothing")
          .isLessThan(5_000);

      outbound.get().request(Integer.MAX_VALUE);
      assertThat(done.await(170, TimeUnit.SECONDS)).isTrue();
      assertThat(received.get()).isEqualTo(total);
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * A batch of the stream is recorded in one statement: a request id sent twice in it, and one
   * sent before by CheckCredential, still answer with the one check each id made.
   */
  @Test
  void a_request_id_repeated_in_one_batch_or_replayed_from_before_answers_with_its_one_check() throws Exception {
    var first = h.service().checks().checkCredential(io.flare.iem.v1.CheckCredentialRequest.newBuilder()
        .setTenantId(h.tenant).setRequestId("before-1").setUsername("someone@replay.example").setPassword("pw")
        .build()).getCheck();
    List<CheckCredentialsRequest> requests = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      requests.add(CheckCredentialsRequest.newBuilder().setTenantId(h.tenant).setRequestId("dup-" + (i % 10))
          .setUsername("dup" + (i % 10) + "@replay.example").setPassword("pw").build());
    }
    requests.add(CheckCredentialsRequest.newBuilder().setTenantId(h.tenant).setRequestId("before-1")
        .setUsername("someone@replay.example").setPassword("pw").build());

    List<CheckCredentialsResponse> responses = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    var in = CredentialCheckServiceGrpc.newStub(h.service().channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .checkCredentials(new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(CheckCredentialsResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {
            failure.set(t);
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    requests.forEach(in::onNext);
    in.onCompleted();

    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(failure.get()).isNull();
    assertThat(responses).hasSize(51);
    Map<String, java.util.Set<String>> checkIds = new HashMap<>();
    for (CheckCredentialsResponse r : responses) {
      assertThat(r.hasCheck()).as(r.toString()).isTrue();
      assertThat(r.getCheck().getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
      checkIds.computeIfAbsent(r.getRequestId(), k -> new java.util.HashSet<>()).add(r.getCheck().getCheckId());
    }
    assertThat(checkIds).hasSize(11);
    checkIds.values().forEach(ids -> assertThat(ids).hasSize(1));
    assertThat(checkIds.get("before-1")).containsExactly(first.getCheckId());
  }
}
