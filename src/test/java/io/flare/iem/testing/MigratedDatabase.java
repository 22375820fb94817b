package io.flare.iem.testing;

import io.flare.iem.config.AppConfig;
import io.flare.iem.storage.Migrations;
import io.flare.iem.storage.Stores;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/**
 * A new database on the shared test Postgres server with every migration applied, and a pool to it
 * on a Vert.x of its own: the setup of tests that work with repositories and statements directly.
 */
public record MigratedDatabase(AppConfig.Postgres config, Vertx vertx, Pool pool) implements AutoCloseable {

  public static MigratedDatabase create() {
    AppConfig.Postgres pg = TestServers.newDatabase();
    Migrations.run(pg);
    Vertx vertx = Vertx.vertx();
    return new MigratedDatabase(pg, vertx, Stores.postgres(vertx, pg));
  }

  @Override
  public void close() {
    Await.result(pool.close());
    Await.result(vertx.close());
  }
}
