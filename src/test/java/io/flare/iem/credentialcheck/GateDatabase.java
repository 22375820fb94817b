package io.flare.iem.credentialcheck;

import io.flare.iem.config.AppConfig;
import io.flare.iem.storage.Migrations;
import io.flare.iem.storage.PgTime;
import io.flare.iem.storage.Stores;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A real Postgres database for the gates that read it ({@link AlreadyTestedGate},
 * {@link AttemptFence}, {@link DailyCapGate}): rows as the rest of the service would have written
 * them, for the tenant, identity and check of a {@link Candidates}.
 */
final class GateDatabase implements AutoCloseable {

  final Pool pool;

  private GateDatabase(Pool pool) {
    this.pool = pool;
  }

  static GateDatabase start(Vertx vertx) {
    AppConfig.Postgres pg = TestServers.newDatabase();
    Migrations.run(pg);
    return new GateDatabase(Stores.postgres(vertx, pg));
  }

  /** The candidate's tenant, Okta integration, identity and check (PENDING, held by the candidate's owner). */
  Candidates seed(Candidates c) {
    sql("INSERT INTO tenants (tenant_id, identifier_cap) VALUES ($1, 1000)", Tuple.of(c.tenantId));
    sql("""
        INSERT INTO integrations (integration_id, tenant_id, kind, display_name, okta_domain, client_id,
                                  max_daily_password_attempts, mitigation_mode, okta_lockout_threshold)
        VALUES ($1, $2, 'OKTA', 'Acme', 'https://' || $2 || '.okta.com', '0oa1b2c3d4E5f6G7h8i9', $3, 'VALIDATE_ONLY', $4)
        """, Tuple.of(UUID.randomUUID(), c.tenantId, (short) c.maxDaily, // an Okta app per tenant
        c.lockoutThreshold == null ? null : c.lockoutThreshold.shortValue()));
    sql("""
        INSERT INTO identities (identity_id, tenant_id, okta_user_id, login, status, last_login, password_changed)
        VALUES ($1, $2, '00u1', 'alice@example.com', $3, $4, $5)
        """, Tuple.of(c.identityId, c.tenantId, c.status, PgTime.utc(c.lastLogin), PgTime.utc(c.passwordChanged)));
    check(c, c.checkId, c.createTime, null, "owner-1");
    return c;
  }

  /** Another undecided check of the candidate's identity and password. */
  void check(Candidates c, UUID checkId, Instant createTime, Instant nextAttempt, String leaseOwner) {
    sql("""
        INSERT INTO credential_checks (check_id, tenant_id, identity_id, username, password_fingerprint, outcome,
                                       next_attempt_time, lease_owner, create_time)
        VALUES ($1, $2, $3, 'alice@example.com', $4, 'PENDING', $5, $6, $7)
        """, Tuple.of(checkId, c.tenantId, c.identityId, Buffer.buffer(c.fingerprint), PgTime.utc(nextAttempt),
        leaseOwner, PgTime.utc(createTime)));
  }

  /** An authn attempt of the candidate's identity, made by check {@code checkId}. */
  void attempt(Candidates c, UUID checkId, LocalDate day, Instant time, String result) {
    sql("""
        INSERT INTO authn_attempts (tenant_id, identity_id, check_id, local_date, attempt_time, result)
        VALUES ($1, $2, $3, $4, $5, $6)
        """, Tuple.of(c.tenantId, c.identityId, checkId, day, PgTime.utc(time), result));
  }

  /** The candidate's password was tried at {@code when}, and Okta's answer confirmed. */
  void tested(Candidates c, Instant when) {
    tested(c, when, true);
  }

  /** As {@link #tested(Candidates, Instant)}, {@code confirmed} or not (a 401 the System Log did not explain). */
  void tested(Candidates c, Instant when, boolean confirmed) {
    Await.result(new AttemptRepository().markTested(pool, c.tenantId, c.identityId, c.fingerprint, when, confirmed));
  }

  /** Opens every connection of the pool (each held a moment, so that none is reused). */
  void warmUp() {
    List<Future<?>> held = new ArrayList<>();
    for (int i = 0; i < TestServers.POOL_SIZE; i++) {
      held.add(pool.query("SELECT pg_sleep(0.05)").execute());
    }
    Await.result(Future.join(new ArrayList<>(held)));
  }

  long count(String sql, Object... params) {
    return Await.result(pool.preparedQuery(sql).execute(Tuple.from(params))).iterator().next().getLong(0);
  }

  void sql(String sql, Tuple params) {
    Await.result(pool.preparedQuery(sql).execute(params));
  }

  @Override
  public void close() {
    Await.result(pool.close());
  }
}
