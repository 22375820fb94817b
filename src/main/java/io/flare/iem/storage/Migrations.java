package io.flare.iem.storage;

import io.flare.iem.config.AppConfig;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the versioned SQL migrations in {@code db/migration} with Flyway. Blocking (JDBC):
 * called from {@code executeBlocking}, never on an event loop. Flyway's Postgres lock makes
 * replicas starting together safe.
 */
public final class Migrations {

  private Migrations() {}

  public static MigrateResult run(AppConfig.Postgres pg) {
    String url = "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + pg.database();
    return Flyway.configure()
        .dataSource(url, pg.user(), pg.password())
        .locations("classpath:db/migration")
        .connectRetries(10)
        .load()
        .migrate();
  }
}
