package io.flare.iem.integrationconfig;

import io.flare.iem.failure.Failure;
import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.Optional;
import java.util.UUID;

/** Stored integrations, at most one per tenant. */
public final class IntegrationRepository {

  private static final String COLUMNS = """
      integration_id, tenant_id, kind, display_name, okta_domain, client_id, max_daily_password_attempts,
      auto_create_identifiers, mitigation_mode, okta_lockout_threshold, version, create_request_id,
      create_time, update_time, custom_domain, jwks_id, protected_group_ids, protected_logins, risk_signals_enabled,
      restore_after_reset
      """;

  /** One Okta app (org and client id) belongs to at most one tenant (V12; since V13 in the global directory). */
  private static final String OKTA_APP_INDEX = "integration_directory_okta_app";

  /**
   * The integration's row in the global directory (a Citus reference table): its JWKS id, which the
   * public URL names without a tenant, and its Okta app, unique across tenants.
   */
  private static final String DIRECTORY_PUT = """
      INSERT INTO integration_directory (jwks_id, tenant_id, okta_domain, client_id)
      VALUES ($1, $2, $3, $4)
      ON CONFLICT (jwks_id) DO UPDATE SET okta_domain = EXCLUDED.okta_domain, client_id = EXCLUDED.client_id
      WHERE integration_directory.tenant_id = EXCLUDED.tenant_id
      """;

  private static final String DIRECTORY_DELETE = "DELETE FROM integration_directory WHERE jwks_id = $1 AND tenant_id = $2";

  private static final String FIND = "SELECT " + COLUMNS + " FROM integrations WHERE tenant_id = $1";

  private static final String FIND_FOR_UPDATE = FIND + " FOR UPDATE";

  private static final String INSERT = """
      INSERT INTO integrations (integration_id, tenant_id, kind, display_name, okta_domain, client_id,
                                max_daily_password_attempts, auto_create_identifiers, mitigation_mode,
                                create_request_id, custom_domain, protected_group_ids, protected_logins,
                                risk_signals_enabled, restore_after_reset)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
      RETURNING\s""" + COLUMNS;

  private static final String UPDATE = """
      UPDATE integrations
      SET display_name = $2, okta_domain = $3, client_id = $4, max_daily_password_attempts = $5,
          auto_create_identifiers = $6, mitigation_mode = $7, custom_domain = $8, protected_group_ids = $9,
          protected_logins = $10, risk_signals_enabled = $11, restore_after_reset = $12, version = version + 1,
          update_time = now()
      WHERE tenant_id = $13 AND integration_id = $1
      RETURNING\s""" + COLUMNS;

  private static final String MARK_TESTED = """
      UPDATE integrations SET last_test_time = $2
      WHERE tenant_id = $1 AND (last_test_time IS NULL OR last_test_time <= $3)
      """;

  private static final String DELETE = "DELETE FROM integrations WHERE tenant_id = $2 AND integration_id = $1";

  private static final String SET_LOCKOUT_THRESHOLD = """
      UPDATE integrations
      SET okta_lockout_threshold = $2, okta_lockout_read_time = now()
      WHERE tenant_id = $3 AND integration_id = $1
      """;

  /** The tenant's integration, if it has one. */
  public Future<Optional<Integration>> find(SqlClient client, String tenantId) {
    return client.preparedQuery(FIND).execute(Tuple.of(tenantId)).map(IntegrationRepository::first);
  }

  /** The tenant's integration, or NOT_FOUND. */
  public Future<Integration> get(SqlClient client, String tenantId) {
    return find(client, tenantId).map(found -> found.orElseThrow(() -> notFound(tenantId)));
  }

  /** The tenant's integration locked for update (inside a transaction), or NOT_FOUND. */
  public Future<Integration> getForUpdate(SqlClient tx, String tenantId) {
    return tx.preparedQuery(FIND_FOR_UPDATE).execute(Tuple.of(tenantId))
        .map(rows -> first(rows).orElseThrow(() -> notFound(tenantId)));
  }

  /** Inserts; a second integration for the tenant fails with {@link Failure.AlreadyExists}. */
  public Future<Integration> insert(SqlClient tx, Integration i) {
    requireOrgUrl(i);
    return tx.preparedQuery(INSERT)
        .execute(Tuple.from(new Object[] {i.id(), i.tenantId(), i.kind().name(), i.displayName(), i.oktaDomain(),
            i.clientId(), (short) i.maxDailyPasswordAttempts(), i.autoCreateIdentifiers(), i.mitigationMode().name(),
            i.createRequestId(), i.customDomain(), groupIds(i), logins(i), i.exposure().riskSignalsEnabled(),
            i.exposure().restoreAfterReset()}))
        .recover(IntegrationRepository::translate)
        .map(rows -> first(rows).orElseThrow())
        .compose(created -> putInDirectory(tx, created));
  }

  public Future<Integration> update(SqlClient tx, Integration i) {
    requireOrgUrl(i);
    return tx.preparedQuery(UPDATE)
        .execute(Tuple.from(new Object[] {i.id(), i.displayName(), i.oktaDomain(), i.clientId(),
            (short) i.maxDailyPasswordAttempts(), i.autoCreateIdentifiers(), i.mitigationMode().name(), i.customDomain(),
            groupIds(i), logins(i), i.exposure().riskSignalsEnabled(), i.exposure().restoreAfterReset(), i.tenantId()}))
        .recover(IntegrationRepository::translate)
        .map(rows -> first(rows).orElseThrow())
        .compose(updated -> putInDirectory(tx, updated));
  }

  private static String[] groupIds(Integration i) {
    return i.protection().groupIds().toArray(String[]::new);
  }

  private static String[] logins(Integration i) {
    return i.protection().logins().toArray(String[]::new);
  }

  /** An Okta integration is stored only with the org URL its calls go to (a custom domain verified). */
  private static void requireOrgUrl(Integration i) {
    if (i.kind() == Integration.Kind.OKTA && i.oktaDomain().isEmpty()) {
      throw new IllegalStateException("an Okta integration without its org URL: its custom domain was not verified");
    }
  }

  public Future<Void> delete(SqlClient tx, Integration i) {
    return tx.preparedQuery(DELETE).execute(Tuple.of(i.id(), i.tenantId()))
        .compose(ignored -> tx.preparedQuery(DIRECTORY_DELETE).execute(Tuple.of(i.jwksId(), i.tenantId())))
        .mapEmpty();
  }

  /** Writes the integration's directory row; an Okta app another tenant holds fails OKTA_APP_TAKEN. */
  private static Future<Integration> putInDirectory(SqlClient tx, Integration i) {
    boolean okta = i.kind() == Integration.Kind.OKTA;
    return tx.preparedQuery(DIRECTORY_PUT)
        .execute(Tuple.of(i.jwksId(), i.tenantId(), okta ? i.oktaDomain() : null, okta ? i.clientId() : null))
        .recover(IntegrationRepository::translate)
        .map(i);
  }

  /**
   * Records that TestIntegration runs now for the tenant, unless it ran less than {@code interval}
   * ago; whether it may run.
   */
  public Future<Boolean> markTested(SqlClient client, String tenantId, java.time.Instant now,
      java.time.Duration interval) {
    return client.preparedQuery(MARK_TESTED)
        .execute(Tuple.of(tenantId, PgTime.utc(now), PgTime.utc(now.minus(interval))))
        .map(rows -> rows.rowCount() == 1);
  }

  /** Records the org's lockout threshold as last read from Okta (null when unreadable). */
  public Future<Void> setLockoutThreshold(SqlClient client, Integration integration, Integer threshold) {
    return client.preparedQuery(SET_LOCKOUT_THRESHOLD)
        .execute(Tuple.of(integration.id(), threshold == null ? null : threshold.shortValue(), integration.tenantId()))
        .mapEmpty();
  }

  private static Future<RowSet<Row>> translate(Throwable error) {
    if (error instanceof PgException pg && "23505".equals(pg.getSqlState())
        && String.valueOf(pg.getConstraint()).equals(OKTA_APP_INDEX)) {
      // never says which tenant holds it
      return Future.failedFuture(new Failure.AlreadyExists("OKTA_APP_TAKEN", "integration.client_id: this Okta app"
          + " (the org and client id) is already connected to another Flare tenant; an app serves one tenant:"
          + " create an API Services app of its own for this one"));
    }
    if (error instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return Future.failedFuture(new Failure.AlreadyExists("INTEGRATION_EXISTS",
          "the tenant already has an identity-provider integration: one IdP integration per tenant is"
              + " supported; create a new Flare tenant for another one"));
    }
    return Future.failedFuture(error);
  }

  static Failure.NotFound notFound(String tenantId) {
    return new Failure.NotFound("INTEGRATION_NOT_FOUND", "tenant '" + tenantId + "' has no integration");
  }

  private static Optional<Integration> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(integration(rows.iterator().next()));
  }

  static Integration integration(Row row) {
    Short threshold = row.getShort("okta_lockout_threshold");
    return new Integration(
        row.getUUID("integration_id"),
        row.getString("tenant_id"),
        Integration.Kind.valueOf(row.getString("kind")),
        row.getString("display_name"),
        row.getString("okta_domain"),
        row.getString("client_id"),
        row.getInteger("max_daily_password_attempts"),
        row.getBoolean("auto_create_identifiers"),
        Integration.MitigationMode.valueOf(row.getString("mitigation_mode")),
        threshold == null ? null : threshold.intValue(),
        row.getLong("version"),
        row.getString("create_request_id"),
        PgTime.instant(row, "create_time"),
        PgTime.instant(row, "update_time"),
        row.getString("custom_domain"),
        row.getUUID("jwks_id"),
        new Integration.Protection(java.util.List.of(row.getArrayOfStrings("protected_group_ids")),
            java.util.List.of(row.getArrayOfStrings("protected_logins"))),
        new Integration.ExposureOptions(row.getBoolean("risk_signals_enabled"), row.getBoolean("restore_after_reset")));
  }
}
