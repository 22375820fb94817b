package io.flare.iem.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.DynamicGrpc;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.Integration;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Generated bad input for every field of every request of every RPC: empty, huge, control
 * characters, unicode, negative and extreme numbers, unknown enum values, invalid timestamps, a
 * missing tenant, hostile Okta domains. Each answer is a client-error status (never UNKNOWN,
 * INTERNAL or UNAVAILABLE); a refused request writes nothing; the values no rule can accept (huge
 * strings, unknown enums, negative page sizes, a missing tenant, hostile domains) are refused
 * with INVALID_ARGUMENT naming the field.
 */
class BadInputTest {

  static final String TENANT = "fuzz";
  static final Set<Status.Code> CLIENT_ERRORS = Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND,
      Status.Code.ALREADY_EXISTS, Status.Code.PERMISSION_DENIED, Status.Code.FAILED_PRECONDITION,
      Status.Code.ABORTED, Status.Code.OUT_OF_RANGE);
  static final String HUGE = "x".repeat(70_000);
  static final List<String> HOSTILE_DOMAINS = List.of("https://acme.okta.com.evil.net", "http://acme.okta.com",
      "https://169.254.169.254", "https://[::1]", "https://user:pass@acme.okta.com", "https://acme.okta.com:444",
      "https://acme.okta.com/../admin", "https://acme.okta.com?x=https://evil.net", "https://localhost.",
      "file:///etc/passwd", "gopher://acme.okta.com", "https://acme.okta.com%2f.evil.net", "https://acme.okta.c0m",
      "https://xn--80ak6aa92e.okta.com", "https://acme.okta.com#@evil.net", "https://10.0.0.1", "acme.okta.com\r\nHost: x");

  static Vertx vertx;
  static RunningService service;
  static OktaSimulator sim;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    service = RunningService.start();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(50).seed(3));
    OktaSims.trust(sim.app(), service, service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(TENANT).setIntegration(Integration.newBuilder().setDisplayName("Fuzz").setOktaDomain(sim.baseUrl())
            .setClientId(sim.app().clientId())).build()).getIntegration());
    awaitInitialSync(); // nothing may write in the background while cases compare snapshots
  }

  static void awaitInitialSync() {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      var runs = service.sync().listSyncRuns(io.flare.iem.v1.ListSyncRunsRequest.newBuilder().setTenantId(TENANT)
          .build()).getSyncRunsList();
      if (!runs.isEmpty() && runs.get(0).getState() == io.flare.iem.v1.SyncRunState.SYNC_RUN_STATE_SUCCEEDED) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("the initial sync did not succeed");
  }

  /**
   * A request every rule accepts, for the request types whose other fields are required, so that a
   * case fails only because of the field it spoils. Request ids are made unique per case.
   */
  static final Map<String, String> VALID = Map.of(
      "CheckCredentialRequest", """
          {"tenant_id":"fuzz","username":"someone@fuzz.example","password":"Leaked-123",
           "leak":{"leak_id":"L-1","source":"paste site","source_kind":"combolist","leaked_time":"2026-01-01T00:00:00Z"}}""",
      "CheckCredentialsRequest", """
          {"tenant_id":"fuzz","username":"someone@fuzz.example","password":"Leaked-123",
           "leak":{"leak_id":"L-1","source":"paste site","source_kind":"combolist","leaked_time":"2026-01-01T00:00:00Z"}}""",
      "ApproveMitigationRequest", """
          {"tenant_id":"fuzz","mitigation_id":"5b0c5f9e-1f0e-4a36-9d2b-3b1f0e9a6c11","actor":"analyst@flare"}""",
      "RejectMitigationRequest", """
          {"tenant_id":"fuzz","mitigation_id":"5b0c5f9e-1f0e-4a36-9d2b-3b1f0e9a6c11","actor":"analyst@flare",
           "reason":"a false positive"}""");

  static final java.util.concurrent.atomic.AtomicInteger REQUEST_IDS = new java.util.concurrent.atomic.AtomicInteger();

  static DynamicMessage base(Descriptor type) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    String json = VALID.get(type.getName());
    try {
      if (json != null) {
        com.google.protobuf.util.JsonFormat.parser().merge(json, b);
      } else {
        b.setField(type.findFieldByName("tenant_id"), TENANT);
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
    FieldDescriptor requestId = type.findFieldByName("request_id");
    if (requestId != null) {
      b.setField(requestId, "bad-input-" + REQUEST_IDS.incrementAndGet());
    }
    return b.build();
  }

  @AfterAll
  static void stop() {
    service.close();
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  /** One generated request and what must hold for its answer. */
  record Case(String name, MethodDescriptor method, Message request, boolean mustBeInvalidArgument, String field) {}

  @TestFactory
  Stream<DynamicTest> every_field_of_every_request_refuses_bad_values_without_writing() {
    List<Case> cases = new ArrayList<>();
    for (ServiceDescriptor service : DynamicGrpc.services().subList(0, 3)) { // ours, not health
      for (MethodDescriptor method : service.getMethods()) {
        cases.addAll(casesFor(method));
      }
    }
    assertThat(cases.size()).as("generated cases").isGreaterThan(300);
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  static List<Case> casesFor(MethodDescriptor method) {
    List<Case> out = new ArrayList<>();
    Descriptor type = method.getInputType();
    String rpc = method.getService().getName() + "/" + method.getName();
    DynamicMessage base = base(type);
    out.add(new Case(rpc + " without tenant_id", method,
        base.toBuilder().clearField(type.findFieldByName("tenant_id")).build(), true, "tenant_id"));
    out.add(new Case(rpc + " with a tenant_id of control characters", method,
        with(base, type.findFieldByName("tenant_id"), "acme\u0000\n"), true, "tenant_id"));
    mutate(rpc, method, base, type, "", out, 0);
    return out;
  }

  /** Adds a case per bad value of each field of {@code type}, one level into nested messages. */
  static void mutate(String rpc, MethodDescriptor method, DynamicMessage base, Descriptor type, String prefix,
      List<Case> out, int depth) {
    for (FieldDescriptor field : type.getFields()) {
      String path = prefix + field.getName();
      if (path.equals("tenant_id")) {
        continue;
      }
      for (Map.Entry<String, Object> bad : badValues(field).entrySet()) {
        boolean strict = isStrict(path, bad.getKey());
        DynamicMessage request = set(base(base.getDescriptorForType()), prefix, field, bad.getValue());
        out.add(new Case(rpc + " " + path + " = " + bad.getKey(), method, request, strict, path));
      }
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isRepeated() && depth == 0
          && field.getMessageType().getFullName().startsWith("flare.iem.v1")) {
        mutate(rpc, method, base, field.getMessageType(), path + ".", out, depth + 1);
      }
      if (path.endsWith("okta_domain")) {
        for (String domain : HOSTILE_DOMAINS) {
          out.add(new Case(rpc + " " + path + " = " + domain.replace("\r\n", "\\r\\n"), method,
              set(base, prefix, field, domain), rpc.endsWith("/CreateIntegration"), path));
        }
      }
    }
  }

  /** Values no rule of the contract can accept get a strict INVALID_ARGUMENT expectation. */
  static boolean isStrict(String path, String kind) {
    if (path.startsWith("integration.") || path.startsWith("settings.") || path.equals("update_mask")
        || path.equals("etag")) {
      return false; // the whole request may fail earlier for another documented reason (no integration...)
    }
    return kind.equals("huge") && !path.equals("password") || kind.equals("unknown enum")
        || kind.equals("negative") && path.equals("page_size") || kind.equals("too big") && path.equals("page_size");
  }

  static Map<String, Object> badValues(FieldDescriptor field) {
    Map<String, Object> values = new LinkedHashMap<>();
    switch (field.getJavaType()) {
      case STRING -> {
        values.put("empty", "");
        values.put("huge", HUGE);
        values.put("control characters", "a\u0000b\u0007c\u001b[31m");
        values.put("unicode", "\u202eevil\u200b🔥ܐ");
        values.put("padded", "  spaced  ");
        values.put("sql", "' OR 1=1 --");
      }
      case INT -> {
        values.put("negative", -1);
        values.put("minimum", Integer.MIN_VALUE);
        values.put("too big", Integer.MAX_VALUE);
      }
      case LONG -> {
        values.put("negative", -1L);
        values.put("minimum", Long.MIN_VALUE);
        values.put("too big", Long.MAX_VALUE);
      }
      case ENUM -> values.put("unknown enum", 999);
      case BOOLEAN -> values.put("true", true);
      case MESSAGE -> {
        if (field.getMessageType().getFullName().equals("google.protobuf.Timestamp")) {
          values.put("timestamp before year 1", timestamp(field, -62_135_596_801L, 0));
          values.put("timestamp with negative nanos", timestamp(field, 1_700_000_000L, -1));
          values.put("timestamp after 9999", timestamp(field, 253_402_300_800L, 0));
        }
        if (field.getMessageType().getFullName().equals("google.protobuf.FieldMask")) {
          values.put("unknown path", DynamicMessage.newBuilder(field.getMessageType())
              .addRepeatedField(field.getMessageType().findFieldByName("paths"), "no_such_field").build());
        }
      }
      default -> { }
    }
    return values;
  }

  static DynamicMessage timestamp(FieldDescriptor field, long seconds, int nanos) {
    Descriptor ts = field.getMessageType();
    return DynamicMessage.newBuilder(ts).setField(ts.findFieldByName("seconds"), seconds)
        .setField(ts.findFieldByName("nanos"), nanos).build();
  }

  static DynamicMessage with(DynamicMessage base, FieldDescriptor field, Object value) {
    return base.toBuilder().setField(field, value).build();
  }

  /** Sets {@code field} (of the top-level message, or of the message at {@code prefix}) to {@code value}. */
  static DynamicMessage set(DynamicMessage base, String prefix, FieldDescriptor field, Object value) {
    Object v = field.getJavaType() == FieldDescriptor.JavaType.ENUM
        ? field.getEnumType().findValueByNumber((Integer) value) != null
            ? field.getEnumType().findValueByNumber((Integer) value)
            : field.getEnumType().findValueByNumberCreatingIfUnknown((Integer) value)
        : value;
    if (prefix.isEmpty()) {
      return field.isRepeated() ? base.toBuilder().addRepeatedField(field, v).build()
          : base.toBuilder().setField(field, v).build();
    }
    FieldDescriptor parent = base.getDescriptorForType().findFieldByName(prefix.substring(0, prefix.length() - 1));
    DynamicMessage.Builder nested = DynamicMessage.newBuilder(parent.getMessageType())
        .mergeFrom((Message) base.getField(parent));
    if (field.isRepeated()) {
      nested.addRepeatedField(field, v);
    } else {
      nested.setField(field, v);
    }
    return base.toBuilder().setField(parent, nested.build()).build();
  }

  // ---- calling ------------------------------------------------------------------------------

  static void check(Case c) throws Exception {
    Map<String, Long> before = snapshot();
    Status status = call(c.method(), c.request());
    assertThat(status.getCode()).as("%s answered %s: %s", c.name(), status.getCode(), status.getDescription())
        .isIn(plus(CLIENT_ERRORS, Status.Code.OK));
    if (status.getCode() != Status.Code.OK) {
      assertThat(snapshot()).as("%s was refused (%s) but wrote", c.name(), status.getCode()).isEqualTo(before);
    }
    if (c.mustBeInvalidArgument()) {
      assertThat(status.getCode()).as("%s: %s", c.name(), status.getDescription())
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      String top = c.field().contains(".") ? c.field().substring(0, c.field().indexOf('.')) : c.field();
      assertThat(status.getDescription()).as(c.name()).contains(top);
    }
  }

  static Set<Status.Code> plus(Set<Status.Code> set, Status.Code extra) {
    Set<Status.Code> out = new java.util.HashSet<>(set);
    out.add(extra);
    return out;
  }

  /** Calls the method with a dynamic message; the status it ended with (an item error's code for CheckCredentials). */
  static Status call(MethodDescriptor method, Message request) throws Exception {
    boolean watch = method.isServerStreaming() && !method.isClientStreaming();
    try {
      List<DynamicMessage> answers = DynamicGrpc.call(service.channel, method, request, watch ? 3 : 20);
      FieldDescriptor error = method.getOutputType().findFieldByName("error");
      if (error != null && !answers.isEmpty() && answers.get(0).hasField(error)) {
        DynamicMessage itemError = (DynamicMessage) answers.get(0).getField(error);
        int code = ((Number) itemError.getField(itemError.getDescriptorForType().findFieldByName("code"))).intValue();
        String message = (String) itemError.getField(itemError.getDescriptorForType().findFieldByName("message"));
        return Status.fromCodeValue(code).withDescription(message);
      }
      return Status.OK;
    } catch (StatusRuntimeException e) {
      // a watch of a real run that did not end within the deadline answered fine
      return e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && watch ? Status.OK : e.getStatus();
    }
  }

  /** Rows per table, and the newest audit id: what "nothing was written" compares. */
  static Map<String, Long> snapshot() {
    Map<String, Long> counts = new LinkedHashMap<>();
    var rows = Await.result(service.app.stores().pg().query("""
        SELECT 'tenants', count(*) FROM tenants UNION ALL
        SELECT 'integrations', count(*) FROM integrations UNION ALL
        SELECT 'integration_versions', coalesce(sum(version), 0) FROM integrations UNION ALL
        SELECT 'identities', count(*) FROM identities UNION ALL
        SELECT 'identifiers', count(*) FROM identifiers UNION ALL
        SELECT 'sync_runs', count(*) FROM sync_runs UNION ALL
        SELECT 'credential_checks', count(*) FROM credential_checks UNION ALL
        SELECT 'authn_attempts', count(*) FROM authn_attempts UNION ALL
        SELECT 'mitigations', count(*) FROM mitigations UNION ALL
        SELECT 'audit_events', coalesce(max(audit_event_id), 0) FROM audit_events
        """).execute());
    rows.forEach(row -> counts.put(row.getString(0), row.getLong(1)));
    return counts;
  }
}
