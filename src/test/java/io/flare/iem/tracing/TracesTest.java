package io.flare.iem.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.GetCredentialCheckRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.Leak;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Traces, collected in memory from a service whose Vert.x is built as {@code Main} builds it with
 * {@code OTEL_*} set: a caller's {@code traceparent} continues through one CheckCredential, its
 * gates, Postgres, Redis and the authn call, to the Okta org; a sync run and a check decided later
 * by a worker link to the call that queued them; and no span holds a password, token, assertion,
 * DPoP proof or key.
 */
class TracesTest {

  static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");
  static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
  static OpenTelemetrySdk otel;
  static OktaSimulator sim;
  static Vertx simVertx;
  static RunningService service;
  static MutableClock clock;
  static String tenant;
  static final List<String> passwords = new ArrayList<>();

  @BeforeAll
  static void start() {
    otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    clock = MutableClock.now();
    tenant = "trace-" + UUID.randomUUID().toString().substring(0, 8);
    service = RunningService.on(Tracing.build(Vertx.builder(), otel), TestServers.config(TestServers.newDatabase()),
        clock);
    simVertx = Vertx.vertx(); // Okta is not ours: it only receives the traceparent header
    sim = Await.result(OktaSimulator.start(simVertx, new OktaSimulator.Options().users(0).mixedStatuses(false)));
    for (String name : List.of("alice", "bob", "carol")) {
      SimUser u = sim.addUser(name + "@" + tenant + ".example", name, "Tester", "ACTIVE");
      sim.setPasswordChanged(u.id(), clock.instant().minus(Duration.ofDays(30)));
      sim.setLastLogin(u.id(), null);
      passwords.add(sim.password(u.id()));
    }
    service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(1000).setMitigationEnabled(true))
        .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap").addPaths("mitigation_enabled")).build());
    Integration created = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Traced")
            .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId()).setMaxDailyPasswordAttempts(2)
            .setMitigationMode(MitigationMode.MITIGATION_MODE_AUTOMATED))
        .build()).getIntegration();
    OktaSims.trust(sim.app(), service, created);
    awaitSyncsDone(1);
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
    if (sim != null) {
      Await.result(sim.stop());
      Await.result(simVertx.close());
    }
    if (otel != null) {
      otel.close();
    }
  }

  @Test
  void one_check_is_one_trace_through_its_gates_postgres_redis_and_the_authn_call_to_okta() {
    String traceId = HexFormat.of().formatHex(randomBytes(16));
    String callerSpan = HexFormat.of().formatHex(randomBytes(8));

    CredentialCheck check = checks("00-" + traceId + "-" + callerSpan + "-01")
        .checkCredential(request("bob@" + tenant + ".example", "not-bobs-" + UUID.randomUUID())).getCheck();
    assertThat(check.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);

    SpanData call = awaitSpan(s -> s.getName().equals("flare.iem.v1.CredentialCheckService/CheckCredential")
        && s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER);
    assertThat(call.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(call.getParentSpanId()).as("the caller's span is the parent").isEqualTo(callerSpan);
    SpanData handled = awaitSpan(s -> s.getName().equals("grpc call") && s.getParentSpanId().equals(call.getSpanId()));
    assertThat(handled.getAttributes().get(AttributeKey.stringKey("rpc.grpc.status"))).isEqualTo("OK");
    List<SpanData> trace = SPANS.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    assertThat(trace).as("the gates").anyMatch(s -> s.getName().equals("gate InactiveUserGate"))
        .anyMatch(s -> s.getName().equals("gate DailyCapGate"))
        .anyMatch(s -> s.getName().equals("gate OrgAuthnShareGate"));
    assertThat(trace).as("Postgres queries").anyMatch(s -> "postgresql".equals(s.getAttributes().get(DB_SYSTEM)));
    assertThat(trace).as("Redis commands").anyMatch(s -> "redis".equals(s.getAttributes().get(DB_SYSTEM)));
    assertThat(sim.counters().traceparents("POST /api/v1/authn"))
        .as("the org received the trace in the authn request's traceparent")
        .anyMatch(header -> header.startsWith("00-" + traceId + "-") && !header.contains(callerSpan));
    SpanData authn = trace.stream().filter(s -> s.getName().equals("okta AUTHN")).findFirst().orElseThrow();
    assertThat(authn.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(401L);
    assertThat(authn.getAttributes().get(AttributeKey.stringKey("okta.request_id"))).isNotBlank();
    assertThat(trace).as("Vert.x's HTTP client span of the authn request, under ours")
        .anyMatch(s -> s.getKind() == SpanKind.CLIENT && s.getParentSpanId().equals(authn.getSpanId()));
    // every span of the check is in the caller's trace: none started a trace of its own
    assertThat(SPANS.getFinishedSpanItems())
        .filteredOn(s -> s.getName().startsWith("gate ") || s.getName().startsWith("okta "))
        .filteredOn(s -> s.getStartEpochNanos() >= call.getStartEpochNanos()
            && s.getEndEpochNanos() <= call.getEndEpochNanos())
        .hasSizeGreaterThanOrEqualTo(4).allMatch(s -> s.getTraceId().equals(traceId));
  }

  @Test
  void a_sync_run_and_a_check_decided_later_link_to_the_call_that_queued_them() {
    SpanData create = awaitSpan(s -> s.getName().equals("flare.iem.v1.IntegrationConfigService/CreateIntegration"));
    SpanData run = awaitSpan(s -> s.getName().equals("sync run") && tenant.equals(attribute(s, "iem.tenant_id")));
    assertThat(run.getParentSpanContext().isValid()).as("a trace of its own").isFalse();
    assertThat(run.getLinks()).as("linked to the CreateIntegration call that queued the initial sync")
        .anyMatch(link -> link.getSpanContext().getTraceId().equals(create.getTraceId()));

    String traceId = HexFormat.of().formatHex(randomBytes(16));
    sim.faults().failRate(1.0, 503);
    CredentialCheck waiting;
    try {
      waiting = checks("00-" + traceId + "-" + HexFormat.of().formatHex(randomBytes(8)) + "-01")
          .checkCredential(request("carol@" + tenant + ".example", "not-carols-" + UUID.randomUUID())).getCheck();
    } finally {
      sim.faults().clear();
    }
    assertThat(waiting.hasDecideTime()).as("Okta was down: the check waits").isFalse();
    clock.advance(Duration.ofDays(1));
    await("the worker to decide the check", () -> checks(null).getCredentialCheck(GetCredentialCheckRequest
        .newBuilder().setTenantId(tenant).setCheckId(waiting.getCheckId()).build()).getCheck().hasDecideTime());
    SpanData decided = awaitSpan(s -> s.getName().equals("check queued")
        && waiting.getCheckId().equals(attribute(s, "iem.check_id")));
    assertThat(decided.getTraceId()).isNotEqualTo(traceId);
    assertThat(decided.getLinks()).as("linked to the CheckCredential call that queued it")
        .anyMatch(link -> link.getSpanContext().getTraceId().equals(traceId));
    assertThat(SPANS.getFinishedSpanItems()).as("the worker's authn call is in the worker's trace")
        .anyMatch(s -> s.getName().equals("okta AUTHN") && s.getTraceId().equals(decided.getTraceId()));
  }

  @Test
  void no_span_holds_a_password_token_assertion_proof_or_key_after_a_check_a_sync_and_a_mitigation() {
    String alice = "alice@" + tenant + ".example";
    CredentialCheck valid = checks(null).checkCredential(request(alice, sim.password(alice))).getCheck();
    assertThat(valid.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    await("AUTOMATED mode to suspend alice", () -> "SUSPENDED".equals(sim.user(alice).orElseThrow().status()));
    service.sync().startSync(StartSyncRequest.newBuilder().setTenantId(tenant)
        .setRequestId("sync-" + UUID.randomUUID()).build());
    awaitSyncsDone(2);
    awaitSpan(s -> s.getName().equals("okta LIFECYCLE"));
    awaitSpan(s -> s.getName().equals("okta TOKEN"));

    List<String> secrets = new ArrayList<>(OktaSims.secrets(sim)); // every assertion, proof, token and password Okta got
    secrets.addAll(passwords);
    secrets.add(TestIssuer.shared().adminToken()); // the caller's bearer token
    assertThat(secrets).as("what the org received").anyMatch(s -> s.startsWith("eyJ"));
    List<SpanData> spans = SPANS.getFinishedSpanItems();
    assertThat(spans).hasSizeGreaterThan(50);
    List<String> leaks = new ArrayList<>();
    for (SpanData span : spans) {
      String text = span.getName() + " " + span.getAttributes() + " " + span.getStatus() + " " + span.getEvents()
          + " " + span.getLinks() + " " + span.getResource().getAttributes();
      for (String secret : secrets) {
        if (secret != null && secret.length() >= 8 && text.contains(secret)) {
          leaks.add(span.getName() + " holds " + secret.substring(0, 4) + "…");
        }
      }
    }
    assertThat(leaks).as("spans holding a secret").isEmpty();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static CredentialCheckServiceGrpc.CredentialCheckServiceBlockingStub checks(String traceparent) {
    CredentialCheckServiceGrpc.CredentialCheckServiceBlockingStub stub = service.checks();
    if (traceparent == null) {
      return stub;
    }
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), traceparent);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static CheckCredentialRequest request(String username, String password) {
    passwords.add(password);
    Instant leaked = clock.instant().minus(Duration.ofDays(1));
    return CheckCredentialRequest.newBuilder().setTenantId(tenant).setUsername(username).setPassword(password)
        .setRequestId("req-" + UUID.randomUUID())
        .setLeak(Leak.newBuilder().setLeakId("leak-" + UUID.randomUUID()).setSource("paste site")
            .setSourceKind("combolist").setLeakedTime(Timestamp.newBuilder().setSeconds(leaked.getEpochSecond())))
        .build();
  }

  private static void awaitSyncsDone(int runs) {
    await(runs + " sync runs to end", () -> {
      var listed = service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build())
          .getSyncRunsList();
      return listed.size() >= runs && listed.stream().allMatch(r -> r.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED
          || r.getState() == SyncRunState.SYNC_RUN_STATE_FAILED);
    });
  }

  private static SpanData awaitSpan(Predicate<SpanData> test) {
    SpanData[] found = new SpanData[1];
    await("a span", () -> (found[0] = SPANS.getFinishedSpanItems().stream().filter(test).findFirst().orElse(null))
        != null);
    return found[0];
  }

  private static String attribute(SpanData span, String name) {
    return span.getAttributes().get(AttributeKey.stringKey(name));
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    ThreadLocalRandom.current().nextBytes(bytes);
    bytes[0] |= 1; // never all zeros, which W3C reads as no trace
    return bytes;
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
