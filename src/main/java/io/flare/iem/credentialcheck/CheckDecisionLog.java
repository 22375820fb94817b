package io.flare.iem.credentialcheck;

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
 * The check-decisions feed: the log a trigger writes in the transaction that first sets a check's
 * decide_time (migration V23), read after a cursor with the check and its mitigation as they are
 * now. As for identity changes, a read returns only entries of transactions older than its own
 * snapshot's xmin, so a decision committed late is never behind a cursor already handed out.
 */
final class CheckDecisionLog {

  private static final String READ = """
      WITH head AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin),
           horizon AS (SELECT coalesce(max(txid), -1) AS txid, coalesce(max(seq), -1) AS seq
                       FROM check_decision_horizons WHERE tenant_id = $1),
           pos AS (SELECT CASE WHEN $2 < 0 THEN z.txid ELSE $2 END AS txid,
                          CASE WHEN $2 < 0 THEN z.seq ELSE $3 END AS seq,
                          ($2 >= 0 AND ($2, $3) < (z.txid, z.seq)) AS stale
                   FROM horizon z)
      SELECT h.xmin, p.txid AS start_txid, p.seq AS start_seq, p.stale, d.txid AS d_txid, d.seq AS d_seq,
             d.check_id AS d_check_id, d.outcome AS d_outcome, d.skip_reason AS d_skip_reason,
             d.decide_time AS d_decide_time,
      """ + CheckRepository.CHECK_COLUMNS + ", " + MitigationRepository.JOINED_COLUMNS + """

      FROM head h CROSS JOIN pos p
      LEFT JOIN LATERAL (
        SELECT l.txid, l.seq, l.check_id, l.outcome, l.skip_reason, l.decide_time
        FROM check_decisions l
        WHERE l.tenant_id = $1 AND NOT p.stale AND (l.txid, l.seq) > (p.txid, p.seq) AND l.txid < h.xmin
        ORDER BY l.txid, l.seq
        LIMIT $4) d ON true
      LEFT JOIN credential_checks c ON c.tenant_id = $1 AND c.check_id = d.check_id
      LEFT JOIN mitigations m ON m.tenant_id = $1 AND m.check_id = c.check_id
      ORDER BY d.txid, d.seq
      """;

  private static final String PRUNE = """
      WITH cut AS (
        SELECT DISTINCT ON (tenant_id) tenant_id, txid, seq FROM check_decisions
        WHERE log_time < $1 ORDER BY tenant_id, txid DESC, seq DESC
      ), moved AS (
        INSERT INTO check_decision_horizons AS h (tenant_id, txid, seq)
        SELECT tenant_id, txid, seq FROM cut
        ON CONFLICT (tenant_id) DO UPDATE SET txid = EXCLUDED.txid, seq = EXCLUDED.seq
        WHERE (h.txid, h.seq) < (EXCLUDED.txid, EXCLUDED.seq)
        RETURNING 1
      )
      DELETE FROM check_decisions l USING cut
      WHERE l.tenant_id = cut.tenant_id AND (l.txid, l.seq) <= (cut.txid, cut.seq)
      """;

  /**
   * One decision: what it was and when, and the check as it is now (null once the check itself was
   * deleted, by its retention or the tenant's teardown).
   */
  record Entry(FeedCursor.Position position, UUID checkId, StoredCheck.Outcome outcome,
      StoredCheck.SkipReason skipReason, Instant decideTime, StoredCheck check) {}

  record Page(List<Entry> entries, FeedCursor.Position next) {}

  /** Up to {@code limit} decisions after {@code after}; FAILED_PRECONDITION when it is behind the retained history. */
  Future<Page> read(SqlClient client, String tenantId, FeedCursor.Position after, int limit) {
    return client.preparedQuery(READ).execute(Tuple.of(tenantId, after.txid(), after.seq(), limit))
        .map(rows -> FeedCursor.page(rows, after, limit, "d_txid", CheckDecisionLog::entry, Entry::position,
            () -> new Failure.FailedPrecondition("CURSOR_EXPIRED", "cursor: older than the retained history of"
                + " check decisions; re-list with ListCredentialChecks, then follow from an empty cursor")))
        .map(page -> new Page(page.entries(), page.next()));
  }

  /** Deletes the decisions logged before {@code cutoff}; how many. */
  Future<Long> prune(SqlClient client, Instant cutoff) {
    return client.preparedQuery(PRUNE).execute(Tuple.of(utc(cutoff))).map(rows -> (long) rows.rowCount());
  }

  private static Entry entry(Row row) {
    String skip = row.getString("d_skip_reason");
    return new Entry(new FeedCursor.Position(row.getLong("d_txid"), row.getLong("d_seq")), row.getUUID("d_check_id"),
        StoredCheck.Outcome.valueOf(row.getString("d_outcome")),
        skip == null ? null : StoredCheck.SkipReason.valueOf(skip), PgTime.instant(row, "d_decide_time"),
        row.getUUID("check_id") == null ? null : CheckRepository.check(row));
  }
}
