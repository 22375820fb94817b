package io.flare.iem.integrationconfig;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Tenants and their settings. A tenant row is created with defaults the first time it is needed. */
public final class TenantRepository {

  private static final String FIND = """
      SELECT tenant_id, identifier_cap, auto_identifiers_enabled, mitigation_enabled, time_zone,
             nightly_sync_hour, full_sync_interval_days
      FROM tenants
      WHERE tenant_id = $1
      """;

  private static final String FIND_FOR_UPDATE = FIND + " FOR UPDATE";

  private static final String ENSURE = """
      INSERT INTO tenants (tenant_id, identifier_cap)
      VALUES ($1, $2)
      ON CONFLICT (tenant_id) DO NOTHING
      """;

  private static final String UPDATE = """
      UPDATE tenants
      SET identifier_cap = $2, auto_identifiers_enabled = $3, mitigation_enabled = $4, time_zone = $5,
          nightly_sync_hour = $6, full_sync_interval_days = $7, update_time = now()
      WHERE tenant_id = $1
      """;

  private static final String WITH_OKTA_INTEGRATION = """
      SELECT t.tenant_id, t.identifier_cap, t.auto_identifiers_enabled, t.mitigation_enabled, t.time_zone,
             t.nightly_sync_hour, t.full_sync_interval_days
      FROM tenants t JOIN integrations i ON i.tenant_id = t.tenant_id AND i.kind = 'OKTA'
      """;

  private final int defaultIdentifierCap;

  public TenantRepository(int defaultIdentifierCap) {
    this.defaultIdentifierCap = defaultIdentifierCap;
  }

  /** The tenant's settings, or the defaults of a tenant nobody configured. */
  public Future<TenantSettings> get(SqlClient client, String tenantId) {
    return client.preparedQuery(FIND)
        .execute(Tuple.of(tenantId))
        .map(rows -> rows.size() == 0
            ? TenantSettings.defaults(tenantId, defaultIdentifierCap)
            : settings(rows.iterator().next()));
  }

  /** Creates the tenant row if needed and returns it locked: call inside a transaction. */
  public Future<TenantSettings> ensureLocked(SqlClient tx, String tenantId) {
    return tx.preparedQuery(ENSURE)
        .execute(Tuple.of(tenantId, defaultIdentifierCap))
        .compose(ignored -> tx.preparedQuery(FIND_FOR_UPDATE).execute(Tuple.of(tenantId)))
        .map(rows -> settings(rows.iterator().next()));
  }

  public Future<Void> update(SqlClient tx, TenantSettings s) {
    return tx.preparedQuery(UPDATE)
        .execute(Tuple.of(s.tenantId(), s.identifierCap(), s.autoIdentifiersEnabled(), s.mitigationEnabled(),
            s.timeZone().getId(), (short) s.nightlySyncHour(), (short) s.fullSyncIntervalDays()))
        .mapEmpty();
  }

  public Future<Optional<TenantSettings>> find(SqlClient client, String tenantId) {
    return client.preparedQuery(FIND)
        .execute(Tuple.of(tenantId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(settings(rows.iterator().next())));
  }

  /** The settings of every tenant that has an Okta integration (the nightly schedule reads their calendars). */
  public Future<List<TenantSettings>> withOktaIntegration(SqlClient client) {
    return client.preparedQuery(WITH_OKTA_INTEGRATION).execute().map(rows -> {
      List<TenantSettings> out = new ArrayList<>(rows.size());
      rows.forEach(row -> out.add(settings(row)));
      return out;
    });
  }

  static TenantSettings settings(Row row) {
    return new TenantSettings(
        row.getString("tenant_id"),
        row.getInteger("identifier_cap"),
        row.getBoolean("auto_identifiers_enabled"),
        row.getBoolean("mitigation_enabled"),
        ZoneId.of(row.getString("time_zone")),
        row.getInteger("nightly_sync_hour"),
        row.getInteger("full_sync_interval_days"));
  }
}
