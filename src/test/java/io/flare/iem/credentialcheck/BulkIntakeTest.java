package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MigratedDatabase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One intake statement for a stream batch that mixes tenants: each leak finds only its own
 * tenant's identity and its own tenant's replay, and its NOT_FOUND row is written for its tenant.
 */
class BulkIntakeTest {

  static Pool pool;

  static MigratedDatabase db;

  @BeforeAll
  static void start() {
    db = MigratedDatabase.create();
    pool = db.pool();
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  @Test
  void a_batch_of_many_tenants_is_one_statement_and_each_leak_sees_only_its_own_tenant() {
    String a = tenant("a");
    String b = tenant("b");
    UUID onlyInB = identity(b, "shared@corp.example");
    UUID inA = identity(a, "alice@a.example");
    Await.result(pool.preparedQuery("""
        INSERT INTO credential_checks (check_id, tenant_id, username, request_id, outcome, detail, decide_time)
        VALUES ($1, $2, 'someone@a.example', 'req-1', 'NOT_FOUND', 'earlier', now())
        """).execute(Tuple.of(UUID.randomUUID(), a)));

    List<CheckRepository.NewCheck> rows = new ArrayList<>();
    rows.add(row(a, "shared@corp.example", "req-2")); // B's identity: not A's
    rows.add(row(b, "shared@corp.example", "req-2")); // the same request id, another tenant: its own check
    rows.add(row(b, "alice@a.example", "req-3"));     // A's identity: not B's
    rows.add(row(a, "alice@a.example", "req-4"));
    rows.add(row(b, "someone@a.example", "req-1"));   // A's request id: no replay for B
    rows.add(row(a, "someone@a.example", "req-1"));   // A's replay

    List<CheckRepository.Intake> out = Await.result(new BulkIntake().intake(pool, rows));

    assertThat(out).hasSize(6);
    assertThat(out.get(0).matchedIdentity()).isNull();
    assertThat(out.get(0).inserted()).isTrue();
    assertThat(out.get(1).matchedIdentity()).isEqualTo(onlyInB);
    assertThat(out.get(2).matchedIdentity()).isNull();
    assertThat(out.get(2).inserted()).isTrue();
    assertThat(out.get(3).matchedIdentity()).isEqualTo(inA);
    assertThat(out.get(4).existing()).isEmpty();
    assertThat(out.get(4).inserted()).isTrue();
    assertThat(out.get(5).existing()).isPresent();
    assertThat(out.get(5).existing().get().detail()).isEqualTo("earlier");
    assertThat(checks(a)).containsExactlyInAnyOrder("req-1", "req-2");
    assertThat(checks(b)).containsExactlyInAnyOrder("req-1", "req-3");
  }

  private static CheckRepository.NewCheck row(String tenant, String username, String requestId) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    return new CheckRepository.NewCheck(UUID.randomUUID(), tenant, null, username, requestId, "", "", "", null,
        null, null, StoredCheck.Outcome.NOT_FOUND, "no synced identity has this login or email", null, null, 0, now,
        now, "test");
  }

  private static String tenant(String name) {
    String tenant = "bulk-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    Await.result(pool.withTransaction(tx -> new TenantRepository(1000).ensureLocked(tx, tenant)));
    return tenant;
  }

  private static UUID identity(String tenant, String login) {
    return Await.result(pool.preparedQuery("""
        INSERT INTO identities (tenant_id, okta_user_id, login, email, status, monitored)
        VALUES ($1, $2, $3, $3, 'ACTIVE', true) RETURNING identity_id
        """).execute(Tuple.of(tenant, "00u" + UUID.randomUUID().toString().substring(0, 17), login)))
        .iterator().next().getUUID(0);
  }

  private static List<String> checks(String tenant) {
    List<String> out = new ArrayList<>();
    Await.result(pool.preparedQuery("SELECT request_id FROM credential_checks WHERE tenant_id = $1")
        .execute(Tuple.of(tenant))).forEach(r -> out.add(r.getString(0)));
    return out;
  }
}
