package io.flare.iem.credentialcheck;

import io.flare.iem.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Pool;

/**
 * Postgres slow to record an attempt, on a test's own database: until {@link #release()}, every
 * insert into {@code authn_attempts} waits (a trigger takes a shared advisory lock that a
 * transaction of the test holds exclusively). A check that passed every gate before the fence's
 * insert waits inside the fence's transaction, so a test can gather many at once and then let
 * them all go: whether the fence admits more than the cap no longer depends on a lucky
 * interleaving.
 */
final class AttemptHold implements AutoCloseable {

  static final long LOCK_KEY = 0x1e14_fe9cL;

  private static final String INSTALL = """
      CREATE OR REPLACE FUNCTION test_hold_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(%d);
        RETURN NEW;
      END $$;
      DROP TRIGGER IF EXISTS test_hold_attempt ON authn_attempts;
      CREATE TRIGGER test_hold_attempt BEFORE INSERT ON authn_attempts
        FOR EACH ROW EXECUTE FUNCTION test_hold_attempt();
      """.formatted(LOCK_KEY);

  /** Sessions of this database waiting for a lock: at the fence, for the identity's row or the held insert. */
  private static final String WAITING = """
      SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE NOT l.granted AND a.datname = current_database()
      """;

  private final Pool pool;
  private final Promise<Void> released = Promise.promise();
  private final Future<Void> holder;

  private AttemptHold(Pool pool, Promise<Void> holding) {
    this.pool = pool;
    this.holder = pool.withTransaction(tx -> tx.query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")").execute()
        .onSuccess(locked -> holding.tryComplete())
        .onFailure(holding::tryFail)
        .compose(locked -> released.future()));
  }

  /** Installs the trigger and holds every new attempt row from now on. */
  static AttemptHold start(Pool pool) {
    Await.result(pool.query(INSTALL).execute());
    Promise<Void> holding = Promise.promise();
    AttemptHold hold = new AttemptHold(pool, holding);
    Await.result(holding.future());
    return hold;
  }

  /** Transactions of the database waiting for a lock (the holder itself never waits). */
  long waiting() {
    return Await.result(pool.query(WAITING).execute()).iterator().next().getLong(0);
  }

  /** Lets every held insert go on. */
  void release() {
    released.tryComplete();
    Await.result(holder);
  }

  @Override
  public void close() {
    release();
  }
}
