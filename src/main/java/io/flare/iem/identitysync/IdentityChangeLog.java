package io.flare.iem.identitysync;

import static io.flare.iem.storage.PgTime.utc;

import io.flare.iem.failure.Failure;
import io.flare.iem.grpc.FeedCursor;
import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The identity-changes feed: the log the database's triggers write in every transaction that adds,
 * changes or removes an identity or identifier (migration V23), read after a cursor. A read
 * returns only entries of transactions older than its own snapshot's xmin, so an entry committed
 * late is never behind a cursor already handed out.
 */
final class IdentityChangeLog {

  /**
   * One statement, one snapshot: the head (xmin), the tenant's retention horizon, and the page
   * after the cursor ($2, $3; $2 < 0 for the start of the retained history), or {@code stale} when
   * the cursor is behind the horizon.
   */
  private static final String READ = """
      WITH head AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin),
           horizon AS (SELECT coalesce(max(txid), -1) AS txid, coalesce(max(seq), -1) AS seq
                       FROM identity_change_horizons WHERE tenant_id = $1),
           pos AS (SELECT CASE WHEN $2 < 0 THEN z.txid ELSE $2 END AS txid,
                          CASE WHEN $2 < 0 THEN z.seq ELSE $3 END AS seq,
                          ($2 >= 0 AND ($2, $3) < (z.txid, z.seq)) AS stale
                   FROM horizon z)
      SELECT h.xmin, p.txid AS start_txid, p.seq AS start_seq, p.stale, c.txid, c.seq, c.change_time, c.subject,
             c.change, c.identity_id, c.okta_user_id, c.login, c.status, c.identifier_value, c.identifier_kind
      FROM head h CROSS JOIN pos p
      LEFT JOIN LATERAL (
        SELECT l.txid, l.seq, l.change_time, l.subject, l.change, l.identity_id, l.okta_user_id, l.login, l.status,
               l.identifier_value, l.identifier_kind
        FROM identity_changes l
        WHERE l.tenant_id = $1 AND NOT p.stale AND (l.txid, l.seq) > (p.txid, p.seq) AND l.txid < h.xmin
        ORDER BY l.txid, l.seq
        LIMIT $4) c ON true
      ORDER BY c.txid, c.seq
      """;

  /** Deletes entries older than $1 and everything before them, and moves each tenant's horizon there. */
  private static final String PRUNE = """
      WITH cut AS (
        SELECT DISTINCT ON (tenant_id) tenant_id, txid, seq FROM identity_changes
        WHERE change_time < $1 ORDER BY tenant_id, txid DESC, seq DESC
      ), moved AS (
        INSERT INTO identity_change_horizons AS h (tenant_id, txid, seq)
        SELECT tenant_id, txid, seq FROM cut
        ON CONFLICT (tenant_id) DO UPDATE SET txid = EXCLUDED.txid, seq = EXCLUDED.seq
        WHERE (h.txid, h.seq) < (EXCLUDED.txid, EXCLUDED.seq)
        RETURNING 1
      )
      DELETE FROM identity_changes l USING cut
      WHERE l.tenant_id = cut.tenant_id AND (l.txid, l.seq) <= (cut.txid, cut.seq)
      """;

  /** What changed. */
  enum Change { ADDED, CHANGED, REMOVED }

  /**
   * One entry: an identity's ({@code identifierValue} null) or an identifier's change, with
   * {@code oktaUserId}, {@code login} and {@code status} for identities.
   */
  record Entry(FeedCursor.Position position, Instant time, Change change, UUID identityId, String oktaUserId,
      String login, String status, String identifierValue, String identifierKind) {}

  /** A page of entries and where to continue. */
  record Page(List<Entry> entries, FeedCursor.Position next) {}

  /** Up to {@code limit} entries after {@code after}; FAILED_PRECONDITION when it is behind the retained history. */
  Future<Page> read(SqlClient client, String tenantId, FeedCursor.Position after, int limit) {
    return client.preparedQuery(READ).execute(Tuple.of(tenantId, after.txid(), after.seq(), limit))
        .map(rows -> FeedCursor.page(rows, after, limit, "txid", IdentityChangeLog::entry, Entry::position,
            () -> new Failure.FailedPrecondition("CURSOR_EXPIRED", "cursor: older than the retained history of"
                + " identity changes; re-list with ListIdentities, then follow from an empty cursor")))
        .map(page -> new Page(page.entries(), page.next()));
  }

  /** Deletes the entries older than {@code cutoff}; how many. */
  Future<Long> prune(SqlClient client, Instant cutoff) {
    return client.preparedQuery(PRUNE).execute(Tuple.of(utc(cutoff))).map(rows -> (long) rows.rowCount());
  }

  private static Entry entry(Row row) {
    boolean identity = "IDENTITY".equals(row.getString("subject"));
    return new Entry(new FeedCursor.Position(row.getLong("txid"), row.getLong("seq")),
        PgTime.instant(row, "change_time"), Change.valueOf(row.getString("change")), row.getUUID("identity_id"),
        row.getString("okta_user_id"), row.getString("login"), row.getString("status"),
        identity ? null : row.getString("identifier_value"), identity ? null : row.getString("identifier_kind"));
  }
}
