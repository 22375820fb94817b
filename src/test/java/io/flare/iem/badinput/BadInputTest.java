package io.flare.iem.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.DynamicGrpc;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.GetTenantSettingsRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Bad input generated from the contract. For each RPC of the three services a base request that
 * no input rule refuses ({@link Bases}); for each field of it, walked from the descriptors (nested
 * messages and repeated elements too, {@link RequestFields}), each value that breaks a field of
 * its type ({@link Bad}): empty, too long, control, format and unassigned characters, mixed
 * scripts, LIKE and SQL metacharacters, negative and huge numbers, unknown enum numbers,
 * timestamps at year 0 and 10000, a foreign tenant; and hostile Okta domains on an otherwise
 * valid integration. {@link ExpectedAnswers} is the one table of what each field answers.
 *
 * <p>Every case, accepted or refused, compares a digest of every table's content before and
 * after: a case must change exactly the tables its expected answer names (none for a refusal). The
 * bases that write are said in {@link Bases}: CheckCredential(s) records a NOT_FOUND check, the
 * TestIntegration and RotateIntegrationKey bases write when they succeed, and a legal new display
 * name in UpdateIntegration writes the integration and an audit row; the test then sends that
 * base again, so the next case starts from the same integration. Nothing runs in the background
 * meanwhile: the initial sync has ended and the database is quiet before the first case.
 */
class BadInputTest {

  static final String TENANT = "fuzz";

  static Vertx vertx;
  static RunningService service;
  static OktaSimulator sim;
  static Channel otherTenantsCaller;
  static TableDigests digests;
  static Map<String, String> placeholders;

  @BeforeAll
  static void start() throws InterruptedException {
    vertx = Vertx.vertx();
    service = RunningService.start();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(50).seed(3));
    Integration created = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(TENANT).setIntegration(Integration.newBuilder().setDisplayName("Fuzz").setOktaDomain(sim.baseUrl())
            .setClientId(sim.app().clientId())).build()).getIntegration();
    OktaSims.trust(sim.app(), service, created);
    String syncRunId = awaitInitialSync();
    TenantSettings settings = service.integrations().getTenantSettings(GetTenantSettingsRequest.newBuilder()
        .setTenantId(TENANT).build()).getSettings();
    placeholders = Map.of("domain", created.getOktaDomain(), "client_id", created.getClientId(),
        "sync_run_id", syncRunId, "identity_id", service.sync().listIdentities(ListIdentitiesRequest.newBuilder()
            .setTenantId(TENANT).setPageSize(1).build()).getIdentities(0).getIdentityId(),
        "identifier_cap", String.valueOf(settings.getIdentifierCap()),
        "nightly_sync_hour", String.valueOf(settings.getNightlySyncHour()),
        "full_sync_interval_days", String.valueOf(settings.getFullSyncIntervalDays()));
    otherTenantsCaller = service.channelWithToken(TestIssuer.shared().token().tenants(TENANT)
        .scope("iem.admin iem.mitigations.approve").sign());
    digests = new TableDigests(service.app.stores().pg());
    digests.awaitQuiet(300, 30_000); // nothing may write in the background while cases compare digests
  }

  /** The initial sync's id, once it succeeded. */
  static String awaitInitialSync() throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      var runs = service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(TENANT).build())
          .getSyncRunsList();
      if (!runs.isEmpty() && runs.get(0).getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED) {
        return runs.get(0).getSyncRunId();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the initial sync did not succeed");
  }

  @AfterAll
  static void stop() {
    service.close();
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  @TestFactory
  Stream<DynamicTest> every_field_of_every_request_answers_as_the_table_says_and_a_refusal_writes_nothing() {
    ExpectedAnswers table = ExpectedAnswers.table();
    List<Cases.Case> cases = Cases.all(table, placeholders);
    assertThat(table.unused()).as("table entries no case uses").isEmpty();
    List<Cases.Case> spoiled = cases.stream().filter(c -> c.value() != null).toList();
    long fields = spoiled.stream().map(c -> c.rpc() + " " + c.path()).distinct().count();
    System.out.printf("bad input: %d fields x their applicable values = %d cases, + %d bases + %d hostile-domain"
        + " cases = %d; %d table entries; %d cases expect a refusal or a base's non-OK answer%n", fields,
        spoiled.size(), Bases.BASES.size(), cases.size() - spoiled.size() - Bases.BASES.size(), cases.size(),
        table.size(), cases.stream().filter(c -> c.expected().code() != Status.Code.OK).count());
    assertThat(cases).as("generated cases").hasSizeGreaterThan(700);
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  static void check(Cases.Case c) throws Exception {
    Map<String, String> before = digests.take();
    Result result = call(c.foreign() ? otherTenantsCaller : service.channel, c.method(), c.request());
    Set<String> written = TableDigests.changed(before, digests.take());
    Status status = result.status();
    String what = c.name() + " answered " + status.getCode() + " (" + shortened(status.getDescription())
        + "), expected " + c.expected();
    assertThat(status.getCode()).as(what).isEqualTo(c.expected().code());
    if (c.expected().field() != null) {
      assertThat(status.getDescription()).as(what).startsWith(c.expected().field() + ": ");
    }
    assertThat(written).as(what + "; tables written").isEqualTo(c.expected().writes());
    if (c.expected().items() != null) {
      assertThat(result.items()).as(what + "; items listed").isEqualTo(c.expected().items());
    }
    if (!written.isEmpty() && Bases.BASES.get(c.rpc()).restoresAfterWrite()) {
      DynamicMessage base = Bases.request(c.rpc(), c.method().getInputType(), placeholders);
      assertThat(call(service.channel, c.method(), base).status().getCode()).as("restoring the base")
          .isEqualTo(Status.Code.OK);
    }
  }

  static String shortened(String text) {
    return text == null || text.length() <= 300 ? text : text.substring(0, 300) + "...(" + text.length() + " chars)";
  }

  /** How a call ended, and how many items the first repeated field of its first answer holds (0 without one). */
  record Result(Status status, int items) {}

  /** Calls the method with a dynamic message; the status it ended with (an item error's code for CheckCredentials). */
  static Result call(Channel channel, MethodDescriptor method, Message request) throws Exception {
    try {
      List<DynamicMessage> answers = DynamicGrpc.call(channel, method, request, 20);
      FieldDescriptor error = method.getOutputType().findFieldByName("error");
      if (error != null && !answers.isEmpty() && answers.get(0).hasField(error)) {
        DynamicMessage itemError = (DynamicMessage) answers.get(0).getField(error);
        int code = ((Number) itemError.getField(itemError.getDescriptorForType().findFieldByName("code"))).intValue();
        String message = (String) itemError.getField(itemError.getDescriptorForType().findFieldByName("message"));
        return new Result(Status.fromCodeValue(code).withDescription(message), 0);
      }
      FieldDescriptor list = method.getOutputType().getFields().stream().filter(FieldDescriptor::isRepeated)
          .findFirst().orElse(null);
      return new Result(Status.OK, list == null || answers.isEmpty() ? 0 : answers.get(0).getRepeatedFieldCount(list));
    } catch (StatusRuntimeException e) {
      return new Result(e.getStatus(), 0);
    }
  }
}
