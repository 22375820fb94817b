package io.flare.iem.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.config.AppConfig;
import io.flare.iem.storage.Migrations;
import io.flare.iem.testing.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Beyond one Postgres: the migrated schema can be distributed by tenant (Citus) as it stands. Read
 * from the catalog, every table has a {@code tenant_id} column, and every primary key, unique
 * constraint, unique index and foreign key (both its columns and the ones it references) leads with
 * it: what is unique or referenced within one tenant's shard then holds across all of them. The
 * global tables are listed below with the reason; on Citus they are reference tables (or local).
 */
class TenantKeysTest {

  /** Tables not distributed by tenant, and why. */
  static final Map<String, String> GLOBAL = Map.of(
      "flyway_schema_history", "Flyway's own bookkeeping, on the coordinator only",
      "integration_directory", "the JWKS id of the public URL (which names no tenant) and the Okta app"
          + " (org and client id), unique across tenants: an app serves one tenant (issue 13); a Citus"
          + " reference table");

  /** Each primary key, unique constraint or index, and foreign key, with its first column (or null: an expression). */
  private static final String KEYS = """
      SELECT c.relname AS table_name, k.conname AS key_name, k.contype::text AS kind,
             (SELECT attname FROM pg_attribute WHERE attrelid = k.conrelid AND attnum = k.conkey[1]) AS first_column,
             (SELECT attname FROM pg_attribute WHERE attrelid = k.confrelid AND attnum = k.confkey[1]) AS first_referenced
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND k.contype IN ('p', 'u', 'f') AND NOT c.relispartition
      UNION ALL
      SELECT c.relname, ic.relname, 'unique index',
             CASE WHEN i.indkey[0] = 0 THEN NULL
                  ELSE (SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = i.indkey[0]) END,
             NULL
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND i.indisunique AND NOT c.relispartition
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u'))
      """;

  private static final String TABLES_WITHOUT_TENANT = """
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
      """;

  static AppConfig.Postgres pg;

  @BeforeAll
  static void migrate() {
    pg = TestServers.newDatabase();
    Migrations.run(pg);
  }

  @Test
  void every_key_of_a_tenant_table_leads_with_tenant_id() throws SQLException {
    List<String> offenders = new ArrayList<>();
    int keys = 0;
    try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rows = s.executeQuery(KEYS)) {
      while (rows.next()) {
        keys++;
        String table = rows.getString("table_name");
        if (GLOBAL.containsKey(table)) {
          continue;
        }
        String kind = switch (rows.getString("kind")) {
          case "p" -> "primary key";
          case "u" -> "unique constraint";
          case "f" -> "foreign key";
          default -> rows.getString("kind");
        };
        if (!"tenant_id".equals(rows.getString("first_column"))) {
          offenders.add(table + ": " + kind + " " + rows.getString("key_name") + " leads with "
              + rows.getString("first_column"));
        }
        if (kind.equals("foreign key") && !"tenant_id".equals(rows.getString("first_referenced"))) {
          offenders.add(table + ": foreign key " + rows.getString("key_name") + " references a key leading with "
              + rows.getString("first_referenced"));
        }
      }
    }
    assertThat(keys).as("keys read from the catalog").isGreaterThan(20);
    assertThat(offenders).as("keys of tenant tables not leading with tenant_id").isEmpty();
  }

  @Test
  void every_table_but_the_global_ones_has_tenant_id() throws SQLException {
    List<String> without = new ArrayList<>();
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery(TABLES_WITHOUT_TENANT)) {
      while (rows.next()) {
        without.add(rows.getString(1));
      }
    }
    assertThat(without).as("tables without tenant_id").isNotEmpty().isSubsetOf(GLOBAL.keySet());
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + pg.database(),
        pg.user(), pg.password());
  }
}
