package io.flare.iem.identitysync;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MigratedDatabase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sync engine against real Postgres, fed by an in-test user source, so that crashes, lease
 * take-overs and failures can be placed exactly. The same scenarios run through the Okta simulator
 * in the endpoint tests.
 */
class SyncerTest {

  static Vertx vertx;
  static Pool pool;
  static final IntegrationRepository integrations = new IntegrationRepository();
  static final TenantRepository tenants = new TenantRepository(1_000_000);
  static final AtomicInteger TENANTS = new AtomicInteger();
  static final SyncSettings FAST = new SyncSettings(1000, 2, Duration.ofMinutes(5), Duration.ofSeconds(20),
      Duration.ofMillis(200), 2, SyncSettings.POLL_INTERVAL, SyncSettings.SCHEDULE_INTERVAL);

  static MigratedDatabase db;

  @BeforeAll
  static void start() {
    db = MigratedDatabase.create();
    vertx = db.vertx();
    pool = db.pool();
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  // ---- an org of users, and a source that pages through it ----------------------------------

  /** A mutable in-test org: users by id, in listing order. */
  static final class Org {
    final Map<String, SyncedUser> users = new java.util.LinkedHashMap<>();

    static Org mixed(int n) {
      Org org = new Org();
      String[] statuses = {"ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "PROVISIONED", "SUSPENDED", "LOCKED_OUT",
          "PASSWORD_EXPIRED", "RECOVERY", "STAGED", "DEPROVISIONED"};
      for (int i = 0; i < n; i++) {
        String id = String.format("00u%017d", i);
        String login = "user" + i + "@acme.example";
        org.users.put(id, new SyncedUser(id, statuses[i % statuses.length], login, login,
            i % 7 == 0 ? "alt" + i + "@home.example" : "", "First" + i, "Last" + i,
            i % 3 == 0 ? null : time(1_700_000_000L + i * 60L), time(1_690_000_000L), time(1_600_000_000L + i * 3600L)));
      }
      return org;
    }

    void change(String id, java.util.function.UnaryOperator<SyncedUser> f) {
      users.put(id, f.apply(users.get(id)));
    }

    List<SyncedUser> list() {
      return new ArrayList<>(users.values());
    }
  }

  static OffsetDateTime time(long epochSecond) {
    return Instant.ofEpochSecond(epochSecond).atOffset(ZoneOffset.UTC);
  }

  /** Pages of 200 of a snapshot of the org; {@code failAt} decides which page fetches fail. */
  static final class Source implements UserSource {
    final List<SyncedUser> snapshot;
    final Instant since;
    final IntPredicate failAt;
    final boolean transientFailures;
    final AtomicInteger fetched = new AtomicInteger();

    Source(List<SyncedUser> snapshot, Instant since, IntPredicate failAt, boolean transientFailures) {
      this.snapshot = since == null ? snapshot
          : snapshot.stream().filter(u -> u.lastUpdated().toInstant().isAfter(since)).toList();
      this.since = since;
      this.failAt = failAt;
      this.transientFailures = transientFailures;
    }

    @Override
    public Future<Page> page(String cursor) {
      int from = cursor == null ? 0 : Integer.parseInt(cursor);
      int page = fetched.getAndIncrement();
      if (failAt.test(page)) {
        return Future.failedFuture(new SourceFailure(transientFailures));
      }
      int to = Math.min(snapshot.size(), from + 200);
      Promise<Page> p = Promise.promise();
      vertx.setTimer(1, id -> p.complete(new Page(List.copyOf(snapshot.subList(from, to)),
          to >= snapshot.size() ? null : Integer.toString(to), 1, 0, null)));
      return p.future();
    }

    @Override
    public boolean isTransient(Throwable error) {
      return error instanceof SourceFailure f && f.isTransient;
    }
  }

  static final class SourceFailure extends RuntimeException {
    final boolean isTransient;

    SourceFailure(boolean isTransient) {
      super(isTransient ? "Okta answered 503" : "Okta answered 403 E0000006");
      this.isTransient = isTransient;
    }
  }

  // ---- harness -------------------------------------------------------------------------------

  static String tenant(int cap, boolean identifiers) {
    String tenantId = "sync-" + TENANTS.incrementAndGet();
    Await.result(pool.withTransaction(tx -> tenants.ensureLocked(tx, tenantId)
        .compose(t -> tx.preparedQuery("UPDATE tenants SET identifier_cap = $2, auto_identifiers_enabled = true"
            + " WHERE tenant_id = $1").execute(Tuple.of(tenantId, cap)))
        .compose(x -> integrations.insert(tx, new Integration(UUID.randomUUID(), tenantId, Integration.Kind.OKTA,
            "Acme", "https://" + tenantId + ".okta.com", "0oa1b2c3d4E5f6G7h8i9", 2, identifiers, // an app per tenant
            Integration.MitigationMode.VALIDATE_ONLY, null, 1, null, null, null)))));
    return tenantId;
  }

  Syncer syncer(String owner, java.util.function.Function<Instant, UserSource> source) {
    return new Syncer(vertx, pool, new SyncRunRepository(), new IdentityWriter(), integrations, tenants,
        (integration, since) -> source.apply(since), OrgRefresh.NONE, FAST, owner,
        new io.flare.iem.metrics.Metrics(io.flare.iem.metrics.Metrics.newRegistry(), java.util.Set.of()));
  }

  static SyncRun queueAndClaim(String tenantId, SyncQueue.Mode mode, String owner) {
    // a run an earlier test left RUNNING with its lease expired would be claimed first (the oldest): end it
    Await.result(pool.preparedQuery("UPDATE sync_runs SET state = 'FAILED' WHERE tenant_id <> $1"
        + " AND state IN ('QUEUED', 'RUNNING')").execute(Tuple.of(tenantId)));
    Await.result(pool.withTransaction(tx -> SyncQueue.enqueue(tx, tenantId, mode, SyncQueue.Trigger.MANUAL, null, "test-caller")));
    return claim(owner);
  }

  static SyncRun claim(String owner) {
    return Await.result(new SyncRunRepository().claim(pool, owner, 2)).orElseThrow();
  }

  static SyncRun run(String tenantId, SyncRun run) {
    return Await.result(new SyncRunRepository().get(pool, tenantId, run.id())).orElseThrow();
  }

  SyncRun sync(String tenantId, SyncQueue.Mode mode, Org org) {
    SyncRun claimed = queueAndClaim(tenantId, mode, "replica-a");
    SyncRun.State state = Await.result(execute(
        syncer("replica-a", since -> new Source(org.list(), since, p -> false, false)), claimed).done());
    assertThat(state).isEqualTo(SyncRun.State.SUCCEEDED);
    return run(tenantId, claimed);
  }

  static long count(String sql, Object... params) {
    return Await.result(pool.preparedQuery(sql).execute(Tuple.from(params)))
        .iterator().next().getLong(0);
  }

  // ---- tests ---------------------------------------------------------------------------------

  @Test
  void full_sync_of_5000_users_in_mixed_statuses_has_exact_counts_and_a_second_one_changes_nothing() {
    String tenantId = tenant(1_000_000, true);
    Org org = Org.mixed(5000);
    SyncRun first = sync(tenantId, SyncQueue.Mode.FULL, org);
    assertThat(first.counters().usersSeen()).isEqualTo(5000);
    assertThat(first.counters().identitiesCreated()).isEqualTo(5000);
    assertThat(first.counters().pagesFetched()).isEqualTo(25);
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1", tenantId)).isEqualTo(5000);
    long deprovisioned = org.users.values().stream().filter(u -> u.status().equals("DEPROVISIONED")).count();
    long secondEmails = org.users.values().stream()
        .filter(u -> !u.status().equals("DEPROVISIONED") && !u.secondEmail().isEmpty()).count();
    long expectedIdentifiers = (5000 - deprovisioned) + secondEmails;
    assertThat(count("SELECT count(*) FROM identifiers WHERE tenant_id = $1", tenantId)).isEqualTo(expectedIdentifiers);
    assertThat(first.counters().identifiersCreated()).isEqualTo(expectedIdentifiers);
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1 AND monitored", tenantId))
        .isEqualTo(5000 - deprovisioned);

    SyncRun second = sync(tenantId, SyncQueue.Mode.FULL, org);
    assertThat(second.counters().usersSeen()).isEqualTo(5000);
    assertThat(second.counters().identitiesCreated()).isZero();
    assertThat(second.counters().identitiesUpdated()).isZero();
    assertThat(second.counters().identitiesRemoved()).isZero();
    assertThat(second.counters().identifiersCreated()).isZero();
    assertThat(count("SELECT count(*) FROM identifiers WHERE tenant_id = $1", tenantId)).isEqualTo(expectedIdentifiers);
  }

  @Test
  void incremental_sync_applies_changes_new_users_and_deprovisionings() {
    String tenantId = tenant(1_000_000, true);
    Org org = Org.mixed(5000);
    sync(tenantId, SyncQueue.Mode.FULL, org);
    OffsetDateTime later = time(1_800_000_000L);
    List<String> active = org.users.values().stream().filter(u -> u.status().equals("ACTIVE"))
        .map(SyncedUser::oktaUserId).toList();
    for (int i = 0; i < 100; i++) {
      int n = i;
      org.change(active.get(i), u -> new SyncedUser(u.oktaUserId(), u.status(), u.login(), "changed" + n + "@acme.example",
          u.secondEmail(), u.firstName(), "Renamed", u.lastLogin(), u.passwordChanged(), later));
    }
    for (int i = 100; i < 110; i++) {
      org.change(active.get(i), u -> new SyncedUser(u.oktaUserId(), "DEPROVISIONED", u.login(), u.email(),
          u.secondEmail(), u.firstName(), u.lastName(), u.lastLogin(), u.passwordChanged(), later));
    }
    for (int i = 0; i < 20; i++) {
      String id = String.format("00unew%014d", i);
      org.users.put(id, new SyncedUser(id, "ACTIVE", "new" + i + "@acme.example", "new" + i + "@acme.example", "",
          "New", "User", null, later, later));
    }
    SyncRun incremental = sync(tenantId, SyncQueue.Mode.INCREMENTAL, org);
    // the listing starts 5 minutes before the watermark: the last user of the full sync is listed again
    assertThat(incremental.counters().usersSeen()).isEqualTo(131);
    assertThat(incremental.counters().identitiesCreated()).isEqualTo(20);
    assertThat(incremental.counters().identitiesUpdated()).isEqualTo(110);
    assertThat(incremental.counters().identitiesRemoved()).isEqualTo(10);
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1", tenantId)).isEqualTo(5020);
    // changed emails replaced their identifiers; deprovisioned users lost theirs
    assertThat(count("SELECT count(*) FROM identifiers WHERE tenant_id = $1 AND value LIKE 'changed%'", tenantId))
        .isEqualTo(100);
    assertThat(count("SELECT count(*) FROM identifiers d JOIN identities i USING (identity_id)"
        + " WHERE i.tenant_id = $1 AND i.status = 'DEPROVISIONED'", tenantId)).isZero();
    assertThat(count("SELECT count(*) FROM identifiers WHERE tenant_id = $1 AND value LIKE 'new%'", tenantId))
        .isEqualTo(20);
  }

  @Test
  void full_sync_sweeps_users_no_longer_listed_but_a_failed_listing_sweeps_nothing() {
    String tenantId = tenant(1_000_000, true);
    Org org = Org.mixed(2000);
    sync(tenantId, SyncQueue.Mode.FULL, org);
    List<String> ids = new ArrayList<>(org.users.keySet());
    for (int i = 0; i < 50; i++) {
      org.users.remove(ids.get(i * 3 + 1)); // hard-deleted in Okta (never deprovisioned ones among them: i*3+1 % 11 varies)
    }
    SyncRun failing = queueAndClaim(tenantId, SyncQueue.Mode.FULL, "replica-a");
    SyncRun.State state = Await.result(execute(
        syncer("replica-a", since -> new Source(org.list(), since, p -> p == 4, false)), failing).done());
    assertThat(state).isEqualTo(SyncRun.State.FAILED);
    assertThat(run(tenantId, failing).errorMessage()).contains("403");
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1", tenantId)).isEqualTo(2000);

    SyncRun complete = sync(tenantId, SyncQueue.Mode.FULL, org);
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1", tenantId)).isEqualTo(1950);
    assertThat(complete.counters().identitiesRemoved()).isLessThanOrEqualTo(50).isGreaterThan(40);
  }

  @Test
  void a_run_whose_replica_died_is_resumed_by_another_from_its_last_batch_without_duplicates() throws Exception {
    String tenantId = tenant(1_000_000, true);
    Org org = Org.mixed(5000);
    SyncRun claimed = queueAndClaim(tenantId, SyncQueue.Mode.FULL, "replica-a");
    // replica A writes a few batches, then "dies": it stops renewing and never finishes
    Syncer.Handle dying = execute(
        syncer("replica-a", since -> new Source(org.list(), since, p -> p >= 12, true)), claimed);
    waitUntil(() -> run(tenantId, claimed).counters().usersSeen() >= 2000);
    dying.stop();
    Await.result(dying.done());
    Await.result(pool.preparedQuery("UPDATE sync_runs SET lease_expire_time = now() - interval '1 second'"
        + " WHERE sync_run_id = $1").execute(Tuple.of(claimed.id())));
    long before = run(tenantId, claimed).counters().usersSeen();

    SyncRun taken = claim("replica-b");
    assertThat(taken.id()).isEqualTo(claimed.id());
    assertThat(taken.cursor()).isNotNull();
    AtomicInteger pagesOnB = new AtomicInteger();
    SyncRun.State state = Await.result(execute(syncer("replica-b", since -> {
      Source s = new Source(org.list(), since, p -> false, false);
      return cursor -> {
        pagesOnB.incrementAndGet();
        return s.page(cursor);
      };
    }), taken).done());
    assertThat(state).isEqualTo(SyncRun.State.SUCCEEDED);
    SyncRun done = run(tenantId, claimed);
    assertThat(done.counters().usersSeen()).isEqualTo(5000);
    assertThat(done.counters().identitiesCreated()).isEqualTo(5000);
    assertThat(pagesOnB.get()).isEqualTo((int) ((5000 - before) / 200));
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1", tenantId)).isEqualTo(5000);
  }

  @Test
  void a_replica_does_not_take_again_a_run_it_is_still_executing_whose_lease_expired() {
    String tenantId = tenant(1_000_000, false);
    SyncRun claimed = queueAndClaim(tenantId, SyncQueue.Mode.FULL, "replica-a");
    // Postgres did not answer for longer than the lease: the execution is alive, its lease expired
    Await.result(pool.preparedQuery("UPDATE sync_runs SET lease_expire_time = now() - interval '1 second'"
        + " WHERE sync_run_id = $1").execute(Tuple.of(claimed.id())));

    var again = Await.result(new SyncRunRepository().claim(pool, "replica-a", 2, java.util.Set.of(claimed.id())));
    assertThat(again.map(SyncRun::id)).as("claimed again by the replica executing it").isNotEqualTo(
        java.util.Optional.of(claimed.id()));
    assertThat(count("SELECT count(*) FROM sync_runs WHERE sync_run_id = $1 AND attempts = 1",
        claimed.id())).isEqualTo(1);
    // another replica may take it over (the execution then loses its lease at its next batch)
    assertThat(Await.result(new SyncRunRepository().claim(pool, "replica-b", 2, java.util.Set.of()))
        .map(SyncRun::id)).contains(claimed.id());
  }

  @Test
  void transient_failures_make_the_run_wait_and_resume() {
    String tenantId = tenant(1_000_000, false);
    Org org = Org.mixed(3000);
    SyncRun claimed = queueAndClaim(tenantId, SyncQueue.Mode.FULL, "replica-a");
    SyncRun.State state = Await.result(execute(syncer("replica-a",
        since -> new Source(org.list(), since, p -> p == 3 || p == 4 || p == 9, true)), claimed).done());
    assertThat(state).isEqualTo(SyncRun.State.SUCCEEDED);
    SyncRun done = run(tenantId, claimed);
    assertThat(done.counters().usersSeen()).isEqualTo(3000);
    assertThat(done.counters().identitiesCreated()).isEqualTo(3000);
    // automatic identifiers off: none created
    assertThat(count("SELECT count(*) FROM identifiers WHERE tenant_id = $1", tenantId)).isZero();
  }

  @Test
  void cancelled_run_stops_and_sweeps_nothing() {
    String tenantId = tenant(1_000_000, true);
    Org org = Org.mixed(3000);
    sync(tenantId, SyncQueue.Mode.FULL, org);
    org.users.clear(); // a listing that would sweep everyone if it completed
    Org.mixed(3000).users.values().stream().limit(1).forEach(u -> org.users.put(u.oktaUserId(), u));
    SyncRun claimed = queueAndClaim(tenantId, SyncQueue.Mode.FULL, "replica-a");
    Await.result(new SyncRunRepository().cancel(pool, tenantId, claimed.id()));
    SyncRun.State state = Await.result(execute(
        syncer("replica-a", since -> new Source(org.list(), since, p -> false, false)), claimed).done());
    assertThat(state).isEqualTo(SyncRun.State.CANCELLED);
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1", tenantId)).isEqualTo(3000);
  }

  @Test
  void identifier_cap_picks_active_users_first_then_most_recent_sign_in_and_raising_it_fills_in() {
    String tenantId = tenant(300, true);
    Org org = new Org();
    for (int i = 0; i < 400; i++) {
      String id = String.format("00ucap%014d", i);
      String status = i < 200 ? "SUSPENDED" : "ACTIVE";
      // active users 200..399 signed in at increasing times: 399 is the most recent
      org.users.put(id, new SyncedUser(id, status, "cap" + i + "@acme.example", "cap" + i + "@acme.example", "", "C",
          "P", i < 200 ? time(1_800_000_000L + i) : time(1_700_000_000L + i), null, time(1_700_000_000L)));
    }
    SyncRun capped = sync(tenantId, SyncQueue.Mode.FULL, org);
    assertThat(count("SELECT count(*) FROM identifiers WHERE tenant_id = $1", tenantId)).isEqualTo(300);
    assertThat(capped.counters().identifiersOverCap()).isEqualTo(100);
    // every active user is monitored, and the 100 suspended users with the latest sign-ins
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1 AND monitored AND status = 'ACTIVE'",
        tenantId)).isEqualTo(200);
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1 AND monitored AND status = 'SUSPENDED'"
        + " AND okta_user_id >= '00ucap00000000000100'", tenantId)).isEqualTo(100);
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1 AND monitored AND status = 'SUSPENDED'"
        + " AND okta_user_id < '00ucap00000000000100'", tenantId)).isZero();

    Await.result(pool.preparedQuery("UPDATE tenants SET identifier_cap = 1000 WHERE tenant_id = $1")
        .execute(Tuple.of(tenantId)));
    SyncRun raised = sync(tenantId, SyncQueue.Mode.FULL, org);
    assertThat(raised.counters().identifiersOverCap()).isZero();
    assertThat(raised.counters().identifiersCreated()).isEqualTo(100);
    assertThat(count("SELECT count(*) FROM identifiers WHERE tenant_id = $1", tenantId)).isEqualTo(400);
    assertThat(count("SELECT count(*) FROM identities WHERE tenant_id = $1 AND NOT monitored", tenantId)).isZero();
  }

  @Test
  void shared_email_becomes_one_identifier_owned_by_the_higher_priority_identity() {
    String tenantId = tenant(1000, true);
    Org org = new Org();
    org.users.put("00ushared0000000001a", new SyncedUser("00ushared0000000001a", "SUSPENDED", "old@acme.example",
        "Shared@Acme.example ", "", "A", "A", time(1_700_000_000L), null, time(1_700_000_000L)));
    org.users.put("00ushared0000000002b", new SyncedUser("00ushared0000000002b", "ACTIVE", "new@acme.example",
        "shared@acme.example", "", "B", "B", time(1_700_000_000L), null, time(1_700_000_000L)));
    sync(tenantId, SyncQueue.Mode.FULL, org);
    assertThat(count("SELECT count(*) FROM identifiers WHERE tenant_id = $1 AND value = 'shared@acme.example'",
        tenantId)).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM identifiers WHERE tenant_id = $1", tenantId)).isEqualTo(3);
  }

  static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(20);
    }
  }

  /** Starts the execution on an event loop, as the worker verticle does. */
  static Syncer.Handle execute(Syncer syncer, SyncRun run) {
    java.util.concurrent.CompletableFuture<Syncer.Handle> handle = new java.util.concurrent.CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> handle.complete(syncer.execute(run)));
    return handle.join();
  }
}
