package io.flare.iem.identitysync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flare.iem.storage.Stores;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.RunningService;
import io.flare.iem.v1.IdentityChange;
import io.flare.iem.v1.ListIdentityChangesRequest;
import io.flare.iem.v1.ListIdentityChangesResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The identity-changes feed under concurrent transactions, retention and other tenants: a change
 * whose transaction took its place in the log first but committed last is still delivered; a
 * cursor behind the retained history is FAILED_PRECONDITION; another tenant's cursor is refused.
 */
class IdentityChangeOrderTest {

  static Vertx vertx;
  static RunningService service;
  static Pool pool;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    service = RunningService.start();
    pool = Stores.postgres(vertx, service.config.postgres().orElseThrow());
  }

  @AfterAll
  static void stop() {
    Await.result(pool.close());
    service.close();
    Await.result(vertx.close());
  }

  static String tenant() {
    String tenant = "order-" + UUID.randomUUID().toString().substring(0, 8);
    Await.result(pool.preparedQuery("INSERT INTO tenants (tenant_id, identifier_cap) VALUES ($1, 100)")
        .execute(Tuple.of(tenant)));
    return tenant;
  }

  static final String INSERT = """
      INSERT INTO identities (tenant_id, okta_user_id, login, status) VALUES ($1, $2, $3, 'ACTIVE')""";

  static ListIdentityChangesResponse page(String tenant, String cursor) {
    return service.sync().listIdentityChanges(ListIdentityChangesRequest.newBuilder().setTenantId(tenant)
        .setCursor(cursor).build());
  }

  @Test
  void a_change_that_commits_after_a_later_one_is_not_skipped_by_a_consumer_that_read_in_between() {
    String tenant = tenant();
    SqlConnection slow = Await.result(pool.getConnection());
    try {
      Transaction tx = Await.result(slow.begin());
      // the slow transaction writes first: its change takes the lower place in the log
      Await.result(slow.preparedQuery(INSERT).execute(Tuple.of(tenant, "00u-slow", "slow@acme.example")));
      Await.result(pool.preparedQuery(INSERT).execute(Tuple.of(tenant, "00u-fast", "fast@acme.example")));

      List<String> seen = new ArrayList<>();
      ListIdentityChangesResponse first = page(tenant, "");
      first.getChangesList().forEach(c -> seen.add(c.getIdentity().getOktaUserId()));
      assertThat(seen).as("nothing is listed past a transaction still open").isEmpty();

      Await.result(tx.commit());
      String[] cursor = {first.getNextCursor()};
      Await.until(() -> {
        ListIdentityChangesResponse next = page(tenant, cursor[0]);
        next.getChangesList().forEach(c -> seen.add(c.getIdentity().getOktaUserId()));
        cursor[0] = next.getNextCursor();
        return seen.size() >= 2;
      }, Duration.ofSeconds(20), "both changes listed");
      assertThat(seen).containsExactly("00u-slow", "00u-fast");
    } finally {
      Await.result(slow.close());
    }
  }

  @Test
  void a_cursor_behind_the_retained_history_is_FAILED_PRECONDITION_and_an_empty_one_starts_after_it() {
    String tenant = tenant();
    String beforeOld = page(tenant, "").getNextCursor();
    Await.result(pool.preparedQuery(INSERT).execute(Tuple.of(tenant, "00u-old", "old@acme.example")));
    Await.result(new IdentityChangeLog().prune(pool, Instant.now().plusSeconds(60))); // everything is old now
    Await.result(pool.preparedQuery(INSERT).execute(Tuple.of(tenant, "00u-new", "new@acme.example")));

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> page(tenant, beforeOld));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.getStatus().getDescription()).contains("cursor").contains("re-list with ListIdentities");

    List<String> fromStart = new ArrayList<>();
    Await.until(() -> {
      page(tenant, "").getChangesList().stream().map(IdentityChange::getIdentity)
          .forEach(i -> fromStart.add(i.getOktaUserId()));
      return !fromStart.isEmpty();
    }, Duration.ofSeconds(20), "the change after the horizon");
    assertThat(fromStart).containsExactly("00u-new");
  }

  @Test
  void another_tenants_cursor_and_a_made_up_one_are_INVALID_ARGUMENT_on_cursor() {
    String mine = tenant();
    String theirs = tenant();
    String theirCursor = page(theirs, "").getNextCursor();
    for (String cursor : List.of(theirCursor, "bm90IGEgY3Vyc29y", "%%%")) {
      StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> page(mine, cursor));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).startsWith("cursor:");
    }
  }
}
