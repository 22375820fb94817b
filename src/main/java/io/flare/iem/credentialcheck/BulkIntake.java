package io.flare.iem.credentialcheck;

import static io.flare.iem.storage.PgTime.utc;

import io.flare.iem.identitysync.IdentityRepository;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The intake of many leaks in one statement (a CheckCredentials stream's batch, whatever tenants its
 * leaks belong to): for each row, as {@link CheckRepository#intake} does for one, the check its
 * request id already made (a replay), else the identity its username matches, else a NOT_FOUND check
 * inserted. The rows travel as arrays ({@code unnest}), so a batch costs one round trip, one plan
 * and one commit however many leaks and tenants it holds. Each row carries its own tenant, and every
 * join and insert is keyed by that row's tenant: a row can only ever find its own tenant's replay
 * or identity. The caller has checked each row's tenant may be written by its caller. Rows of the
 * batch that share a request id, or the key of a check inserted meanwhile, are left out by
 * {@code ON CONFLICT DO NOTHING}: the caller finds what won.
 */
final class BulkIntake {

  private static final String INTAKE_MANY = """
      WITH input AS (
        SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[],
                             $8::text[], $9::timestamptz[], $10::text[], $11::timestamptz[], $12::text[])
          AS leak(tenant_id, ord, username, request_id, check_id, leak_id, leak_source, leak_source_kind, leaked_time,
               detail, create_time, submitted_by)
      ), existing AS (
        SELECT leak.ord AS e_ord, """ + CheckRepository.CHECK_COLUMNS + ", " + MitigationRepository.JOINED_COLUMNS + """

        FROM input leak
          JOIN credential_checks c ON c.tenant_id = leak.tenant_id AND c.request_id = leak.request_id
          LEFT JOIN mitigations m ON m.tenant_id = c.tenant_id AND m.check_id = c.check_id
      ), matched AS (
        SELECT leak.ord AS m_ord, found.identity_id FROM input leak CROSS JOIN LATERAL (
      """ + IdentityRepository.matchQuery("leak.tenant_id", "leak.username") + """
        ) found
      ), inserted AS (
        INSERT INTO credential_checks (check_id, tenant_id, identity_id, username, request_id, leak_id, leak_source,
                                       leak_source_kind, leaked_time, outcome, detail, create_time, decide_time,
                                       update_time, submitted_by)
        SELECT leak.check_id, leak.tenant_id, NULL, leak.username, leak.request_id, leak.leak_id, leak.leak_source,
               leak.leak_source_kind, leak.leaked_time, 'NOT_FOUND', leak.detail, leak.create_time, leak.create_time, now(), leak.submitted_by
        FROM input leak
        WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.e_ord = leak.ord)
          AND NOT EXISTS (SELECT 1 FROM matched m WHERE m.m_ord = leak.ord)
        ORDER BY leak.ord
        ON CONFLICT DO NOTHING
        RETURNING check_id
      )
      SELECT leak.ord AS row_ord, m.identity_id AS matched_identity_id, x.check_id AS inserted_check_id, e.*
      FROM input leak
        LEFT JOIN matched m ON m.m_ord = leak.ord
        LEFT JOIN inserted x ON x.check_id = leak.check_id
        LEFT JOIN existing e ON e.e_ord = leak.ord
      ORDER BY leak.ord
      """;

  /**
   * One {@link CheckRepository.Intake} per row of {@code rows}, in their order; each row is its
   * leak's would-be NOT_FOUND check, of its own tenant.
   */
  Future<List<CheckRepository.Intake>> intake(SqlClient client, List<CheckRepository.NewCheck> rows) {
    int n = rows.size();
    String[] tenant = new String[n];
    Integer[] ord = new Integer[n];
    String[] username = new String[n];
    String[] requestId = new String[n];
    UUID[] checkId = new UUID[n];
    String[] leakId = new String[n];
    String[] leakSource = new String[n];
    String[] leakKind = new String[n];
    OffsetDateTime[] leaked = new OffsetDateTime[n];
    String[] detail = new String[n];
    OffsetDateTime[] created = new OffsetDateTime[n];
    String[] submittedBy = new String[n];
    for (int i = 0; i < n; i++) {
      CheckRepository.NewCheck r = rows.get(i);
      tenant[i] = r.tenantId();
      ord[i] = i;
      username[i] = r.username();
      requestId[i] = r.requestId();
      checkId[i] = r.id();
      leakId[i] = r.leakId();
      leakSource[i] = r.leakSource();
      leakKind[i] = r.leakSourceKind();
      leaked[i] = utc(r.leakedTime());
      detail[i] = r.detail();
      created[i] = utc(r.createTime());
      submittedBy[i] = r.submittedBy();
    }
    return client.preparedQuery(INTAKE_MANY)
        .execute(Tuple.from(new Object[] {tenant, ord, username, requestId, checkId, leakId, leakSource, leakKind,
            leaked, detail, created, submittedBy}))
        .map(set -> {
          List<CheckRepository.Intake> out = new ArrayList<>(n);
          for (Row row : set) {
            Optional<StoredCheck> existing = row.getUUID("check_id") == null ? Optional.empty()
                : Optional.of(CheckRepository.check(row));
            out.add(new CheckRepository.Intake(existing, row.getUUID("matched_identity_id"),
                row.getUUID("inserted_check_id") != null));
          }
          if (out.size() != n) {
            throw new IllegalStateException("the bulk intake answered " + out.size() + " rows for " + n);
          }
          return out;
        });
  }
}
