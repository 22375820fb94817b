package io.flare.iem.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.config.AppConfig;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.TestServers;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Batching one statement per event loop, against a real Postgres. */
class StatementBatcherTest {

  static final String INSERT = "INSERT INTO batched (v) VALUES ($1) RETURNING v, xmin::text AS tx";

  static Vertx vertx;
  static Pool pool;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    AppConfig.Postgres pg = TestServers.newDatabase();
    pool = Stores.postgres(vertx, pg);
    Await.result(pool.query("CREATE TABLE batched (v integer PRIMARY KEY CHECK (v >= 0))").execute());
  }

  @AfterAll
  static void stop() {
    Await.result(pool.close());
    Await.result(vertx.close());
  }

  @Test
  void executions_asked_for_in_one_turn_share_one_transaction_and_each_gets_its_own_rows() {
    StatementBatcher batcher = new StatementBatcher(pool, INSERT);
    List<Row> rows = onEventLoop(ctx -> all(batcher, ctx, 1, 2, 3, 4, 5));

    assertThat(rows).extracting(r -> r.getInteger("v")).containsExactly(1, 2, 3, 4, 5);
    assertThat(rows.stream().map(r -> r.getString("tx")).collect(Collectors.toSet())).as("one transaction")
        .hasSize(1);
  }

  @Test
  void a_batch_holds_at_most_max_batch_executions() {
    StatementBatcher batcher = new StatementBatcher(pool, INSERT, 3, 1);
    List<Row> rows = onEventLoop(ctx -> all(batcher, ctx, 11, 12, 13, 14, 15, 16, 17));

    List<String> tx = rows.stream().map(r -> r.getString("tx")).toList();
    assertThat(Set.copyOf(tx)).hasSize(3);
    assertThat(tx.subList(0, 3)).containsOnly(tx.get(0));
    assertThat(tx.subList(3, 6)).containsOnly(tx.get(3));
  }

  @Test
  void a_statement_postgres_refuses_fails_alone_and_the_rest_of_its_batch_is_kept() {
    StatementBatcher batcher = new StatementBatcher(pool, INSERT);
    List<Future<RowSet<Row>>> results = onEventLoop(ctx -> {
      List<Future<RowSet<Row>>> asked = new ArrayList<>();
      for (int v : new int[] {21, -1, 22, 21}) { // a CHECK violation, and a duplicate of the first
        asked.add(batcher.execute(Tuple.of(v)));
      }
      return Future.succeededFuture(asked);
    });
    Await.result(Future.join(results).otherwiseEmpty());

    assertThat(results.get(0).succeeded()).isTrue();
    assertThat(results.get(1).cause()).isInstanceOf(PgException.class).hasMessageContaining("check constraint");
    assertThat(results.get(2).succeeded()).isTrue();
    assertThat(results.get(3).cause()).isInstanceOf(PgException.class).hasMessageContaining("duplicate key");
    assertThat(Await.result(pool.query("SELECT v FROM batched WHERE v BETWEEN 20 AND 29 ORDER BY v").execute()))
        .extracting(r -> r.getInteger(0)).containsExactly(21, 22);
  }

  @Test
  void each_result_arrives_on_the_context_of_the_caller_that_asked() {
    StatementBatcher batcher = new StatementBatcher(pool, INSERT);
    List<Boolean> onOwnContext = onEventLoop(ctx -> {
      List<Future<Boolean>> checks = new ArrayList<>();
      for (int v = 31; v <= 34; v++) {
        Context request = ((ContextInternal) ctx).duplicate(); // as the gRPC server gives each call
        Promise<Boolean> same = Promise.promise();
        int value = v;
        request.runOnContext(x -> batcher.execute(Tuple.of(value))
            .onComplete(ar -> same.complete(ar.succeeded() && Vertx.currentContext() == request)));
        checks.add(same.future());
      }
      return Future.all(checks).map(all -> all.<Boolean>list());
    });

    assertThat(onOwnContext).containsOnly(true).hasSize(4);
  }

  @Test
  void off_an_event_loop_it_runs_the_statement_directly() {
    StatementBatcher batcher = new StatementBatcher(pool, INSERT);
    Row row = Await.result(batcher.execute(Tuple.of(41))).iterator().next();

    assertThat(row.getInteger("v")).isEqualTo(41);
  }

  @Test
  void when_postgres_cannot_be_reached_every_execution_of_the_batch_fails_with_that() {
    AppConfig.Postgres nowhere = new AppConfig.Postgres("127.0.0.1", 1, "none", "none", "none", 2);
    Pool unreachable = Stores.postgres(vertx, nowhere);
    try {
      StatementBatcher batcher = new StatementBatcher(unreachable, INSERT);
      List<Future<RowSet<Row>>> results = onEventLoop(ctx -> Future.succeededFuture(
          List.of(batcher.execute(Tuple.of(51)), batcher.execute(Tuple.of(52)))));
      Await.result(Future.join(results).otherwiseEmpty());

      assertThat(results).allSatisfy(f -> assertThat(StoreErrors.isUnavailable(f.cause())).isTrue());
    } finally {
      Await.result(unreachable.close());
    }
  }

  private static Future<List<Row>> all(StatementBatcher batcher, Context ctx, int... values) {
    List<Future<RowSet<Row>>> asked = new ArrayList<>();
    for (int v : values) {
      asked.add(batcher.execute(Tuple.of(v)));
    }
    return Future.all(asked).map(done -> asked.stream().map(f -> f.result().iterator().next()).toList());
  }

  /** Runs {@code work} in one turn of an event loop and waits for what it returns. */
  private static <T> T onEventLoop(Function<Context, Future<T>> work) {
    Context ctx = vertx.getOrCreateContext();
    Promise<T> result = Promise.promise();
    ctx.runOnContext(v -> work.apply(ctx).onComplete(result));
    return Await.result(result.future());
  }
}
