package io.flare.iem.identitysync;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.v1.IdentityChange;
import io.flare.iem.v1.IdentityChangeType;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.ListIdentitiesResponse;
import io.flare.iem.v1.ListIdentityChangesRequest;
import io.flare.iem.v1.ListIdentityChangesResponse;
import io.flare.iem.v1.SyncMode;
import io.flare.iem.v1.SyncRunState;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, acceptance 4 (identities): a consumer that follows ListIdentityChanges while the
 * service syncs (an initial sync of 100,000 users, an incremental with renames, a full sync that
 * removes users) ends with exactly the identities and identifiers the service has.
 */
class IdentityChangesFeedTest {

  static Vertx vertx;
  static RunningService service;
  static OktaSimulator sim;

  static io.flare.iem.dev.EmbeddedPostgres pg;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    // its own Postgres server: the feed is read below the oldest running transaction of the whole
    // server, so another test's long transaction on a shared server would hold it back
    pg = io.flare.iem.dev.EmbeddedPostgres.start(java.nio.file.Path.of("target", "feed-pg",
        java.util.UUID.randomUUID().toString()), 0, true);
    service = RunningService.start(io.flare.iem.testing.TestServers.config(pg.connection(8)));
    IdentitySyncEndpointTest.service = service; // its helpers (tenant, connect, sync) use this service
    IdentitySyncEndpointTest.vertx = vertx;
  }

  @AfterAll
  static void stop() {
    service.close();
    pg.close();
    if (sim != null) {
      Await.result(sim.stop());
    }
    Await.result(vertx.close());
  }

  /** What a consumer rebuilds from the feed: each change applied as an upsert or a delete. */
  static final class Follower {
    final String tenant;
    String cursor = "";
    final Map<String, String> identities = new HashMap<>(); // identity id -> "okta id|login|status"
    final Map<String, String> identifiers = new HashMap<>(); // value -> "identity id|kind"
    long changes;

    Follower(String tenant) {
      this.tenant = tenant;
    }

    /** Reads one page and applies it; how many changes it had. */
    synchronized int poll() {
      ListIdentityChangesResponse page = service.sync().listIdentityChanges(ListIdentityChangesRequest.newBuilder()
          .setTenantId(tenant).setCursor(cursor).setPageSize(1000).build());
      page.getChangesList().forEach(this::apply);
      assertThat(page.getNextCursor()).isNotEmpty();
      cursor = page.getNextCursor();
      changes += page.getChangesCount();
      return page.getChangesCount();
    }

    private void apply(IdentityChange c) {
      boolean removed = c.getChangeType() == IdentityChangeType.IDENTITY_CHANGE_TYPE_REMOVED;
      if (c.hasIdentifier()) {
        if (removed) {
          identifiers.remove(c.getIdentifier().getValue());
        } else {
          identifiers.put(c.getIdentifier().getValue(), c.getIdentityId() + "|" + c.getIdentifier().getKind());
        }
      } else if (removed) {
        identities.remove(c.getIdentityId());
      } else {
        identities.put(c.getIdentityId(), c.getIdentity().getOktaUserId() + "|" + c.getIdentity().getLogin() + "|"
            + c.getIdentity().getStatus());
      }
    }
  }

  /** The service's identities and identifiers, as ListIdentities pages them. */
  static void listed(String tenant, Map<String, String> identities, Map<String, String> identifiers) {
    String token = "";
    do {
      ListIdentitiesResponse page = service.sync().listIdentities(ListIdentitiesRequest.newBuilder()
          .setTenantId(tenant).setPageSize(1000).setPageToken(token).build());
      for (var i : page.getIdentitiesList()) {
        identities.put(i.getIdentityId(), i.getOktaUserId() + "|" + i.getLogin() + "|" + i.getStatus());
        i.getIdentifiersList().forEach(id -> identifiers.put(id.getValue(), i.getIdentityId() + "|" + id.getKind()));
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
  }

  static boolean caughtUp(Follower f) {
    while (f.poll() > 0) {
      // drain what is there
    }
    Map<String, String> identities = new HashMap<>();
    Map<String, String> identifiers = new HashMap<>();
    listed(f.tenant, identities, identifiers);
    synchronized (f) {
      return identities.equals(f.identities) && identifiers.equals(f.identifiers);
    }
  }

  @Test
  void a_consumer_following_the_feed_through_initial_incremental_and_full_syncs_ends_with_the_services_identifiers()
      throws Exception {
    int users = Integer.getInteger("feed.users", 100_000);
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(users).seed(16).mixedStatuses(true)
        .unlimited(true));
    String tenant = IdentitySyncEndpointTest.tenant(1_000_000);
    Follower follower = new Follower(tenant);
    AtomicBoolean following = new AtomicBoolean(true);
    Thread consumer = new Thread(() -> {
      while (following.get()) {
        if (follower.poll() == 0) {
          sleep(20);
        }
      }
    }, "feed-consumer");
    consumer.start();
    try {
      var initial = IdentitySyncEndpointTest.connect(tenant, sim, service);
      assertThat(initial.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
      assertThat(initial.getIdentitiesCreated()).isEqualTo(users);

      // renames: new logins (so new identifier values), and values moving from one user to another
      List<SimUser> active = sim.users(u -> u.status().equals("ACTIVE"), 3000);
      for (int i = 0; i < 1000; i++) {
        sim.setLogin(active.get(i).id(), "renamed" + i + "@acme.example");
      }
      for (int i = 1000; i < 1100; i++) {
        sim.setLogin(active.get(i).id(), active.get(i - 1000).login()); // takes a login another user just left
      }
      for (int i = 1100; i < 1200; i++) {
        sim.updateProfile(active.get(i).id(), null, null, "other" + i + "@acme.example");
      }
      var incremental = IdentitySyncEndpointTest.sync(tenant, SyncMode.SYNC_MODE_INCREMENTAL);
      assertThat(incremental.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
      assertThat(incremental.getIdentitiesUpdated()).isEqualTo(1200);

      // a full sync that removes users: deleted for good (swept) and deprovisioned (identifiers go)
      for (int i = 1200; i < 1700; i++) {
        sim.hardDelete(active.get(i).id());
      }
      for (int i = 1700; i < 1900; i++) {
        sim.deprovision(active.get(i).id());
      }
      var full = IdentitySyncEndpointTest.sync(tenant, SyncMode.SYNC_MODE_FULL);
      assertThat(full.getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
      assertThat(full.getIdentitiesRemoved()).isEqualTo(700);
    } finally {
      following.set(false);
      consumer.join();
    }

    Await.until(() -> caughtUp(follower), Duration.ofSeconds(60), "the consumer to reach the service's state");
    Map<String, String> identities = new HashMap<>();
    Map<String, String> identifiers = new HashMap<>();
    listed(tenant, identities, identifiers);
    assertThat(identities).hasSize(users - 500);
    assertThat(follower.identities).isEqualTo(identities);
    assertThat(follower.identifiers).isEqualTo(identifiers);
    assertThat(identifiers).containsKey("renamed0@acme.example");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
