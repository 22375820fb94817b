package io.flare.iem.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every query of tenant data filters on {@code tenant_id}: each SQL statement in {@code src/main}
 * (the values of its {@code static final String} constants, as composed) constrains every tenant
 * table it names by that table's {@code tenant_id} (a predicate, a join on it, or the column list
 * of an insert). On Citus such a statement goes to one tenant's shard; a statement that does not
 * reads or writes every tenant's rows. The few that must (the work queues, the sweeps, the gauges)
 * are listed with their reason.
 */
class TenantQueriesTest {

  /** Tables whose rows are not a tenant's (see {@link TenantKeysTest#GLOBAL}). */
  static final Set<String> GLOBAL_TABLES = Set.of("integration_directory");

  /** Statements that read or write across tenants on purpose, and why. */
  static final Map<String, String> CROSS_TENANT = Map.ofEntries(
      Map.entry("credentialcheck.CheckRepository.CLAIM", "the waiting-check queue every replica drains, for all tenants"),
      Map.entry("credentialcheck.CheckMetrics.QUEUE", "the queue gauges, summed over tenants"),
      Map.entry("credentialcheck.PasswordRetention.ERASE", "erases every tenant's expired sealed passwords"),
      Map.entry("credentialcheck.CheckRetention.DELETE_CHECKS", "retention: every tenant's decided checks past the bound"),
      Map.entry("credentialcheck.CheckRetention.DELETE_ATTEMPTS", "retention: every tenant's attempts past the bound"),
      Map.entry("identitysync.SyncRunRepository.CLAIM", "the sync-run queue every replica drains, for all tenants"),
      Map.entry("integrationconfig.TenantRepository.WITH_OKTA_INTEGRATION", "the nightly schedule lists every tenant"),
      Map.entry("audit.AuditPartitions.DETACH", "retention: detaches a month of every tenant's audit rows"),
      Map.entry("audit.AuditPartitions.FINALIZE", "retention: finishes a detach an interrupted run left pending"),
      Map.entry("credentialcheck.CheckDecisionLog.PRUNE", "feed retention: every tenant's decisions past the bound"),
      Map.entry("identitysync.IdentityChangeLog.PRUNE", "feed retention: every tenant's identity changes past the bound"),
      Map.entry("credentialcheck.OverdueChecks.OVERDUE", "the stalled-orgs gauge, counted over tenants"),
      Map.entry("identitysync.SyncFailures.LAST_RUNS", "the failing-syncs gauge, counted over tenants"),
      Map.entry("exposure.ExposureRepository.CLAIM_DUE", "the open cases' re-read queue every replica drains, for all tenants"),
      Map.entry("exposure.ExposureRepository.COUNT_OPEN", "the open-cases gauge, summed over tenants"),
      Map.entry("exposure.SignalOutbox.CLAIM", "the risk-signal outbox every replica drains, for all tenants"));

  static final Path SOURCES = TableOwnershipTest.SOURCES;

  /** A table named, with its alias if it has one (aliases are lower case, keywords upper case). */
  static final Pattern REFERENCE = Pattern.compile(
      "\\b(FROM|JOIN|INTO|UPDATE|USING)\\s+([a-z_][a-z0-9_]*)(?:\\s+(?:AS\\s+)?([a-z][a-z0-9_]*)\\b)?");

  @Test
  void every_query_of_a_tenant_table_filters_on_tenant_id() throws Exception {
    Map<String, String> statements = sqlConstants();
    assertThat(statements).as("SQL constants found in src/main").hasSizeGreaterThan(50);
    List<String> offenders = new ArrayList<>();
    statements.forEach((name, sql) -> {
      if (CROSS_TENANT.containsKey(name) || isFragmentOfAnother(sql, statements)) {
        return;
      }
      for (String table : unfiltered(sql)) {
        offenders.add(name + " does not filter " + table + " on tenant_id");
      }
      if (namesTenantTable(sql) && !bindsTenant(sql)) {
        offenders.add(name + " binds no tenant_id to a parameter (its tenant joins only each other)");
      }
    });
    assertThat(offenders).as("queries of tenant tables without tenant_id").isEmpty();
    assertThat(CROSS_TENANT.keySet()).as("cross-tenant statements that exist").isSubsetOf(statements.keySet());
  }

  @Test
  void the_rule_sees_what_is_missing() {
    assertThat(unfiltered("SELECT 1 FROM identities WHERE tenant_id = $1 AND identity_id = $2")).isEmpty();
    assertThat(unfiltered("UPDATE identities SET status = $2 WHERE identity_id = $1")).containsExactly("identities");
    assertThat(unfiltered("""
        SELECT 1 FROM authn_attempts a JOIN credential_checks c ON c.check_id = a.check_id
        WHERE a.tenant_id = $1""")).containsExactly("credential_checks");
    assertThat(unfiltered("""
        SELECT 1 FROM authn_attempts a JOIN credential_checks c ON c.tenant_id = a.tenant_id AND c.check_id = a.check_id
        WHERE a.tenant_id = $1""")).isEmpty();
    assertThat(unfiltered("INSERT INTO audit_events (tenant_id, action) VALUES ($1, $2)")).isEmpty();
    assertThat(unfiltered("INSERT INTO identifier_plans (sync_run_id, value) SELECT $1, $2")).containsExactly(
        "identifier_plans");
    assertThat(unfiltered("DELETE FROM identifiers d USING identities i WHERE i.identity_id = d.identity_id"))
        .containsExactly("identifiers", "identities");
    assertThat(unfiltered("SELECT jwks_id FROM integration_directory WHERE okta_domain = $1")).isEmpty();
    assertThat(bindsTenant("UPDATE credential_checks c SET x = 1 FROM authn_attempts a"
        + " WHERE a.tenant_id = c.tenant_id AND c.check_id = ANY($1)")).isFalse();
    assertThat(bindsTenant("UPDATE credential_checks SET x = 1 WHERE tenant_id = ANY($3::text[])")).isTrue();
    assertThat(bindsTenant("INSERT INTO sync_schedules (tenant_id) SELECT tenant_id FROM due")).isTrue();
  }

  /** Some tenant table's tenant_id is a parameter ({@code = $n}, {@code = ANY($n)}), or an insert names it. */
  static boolean bindsTenant(String sql) {
    return BOUND.matcher(sql).find() || INSERT_WITH_TENANT.matcher(sql).find();
  }

  static final Pattern BOUND = Pattern.compile("\\btenant_id\\s*=\\s*(?:ANY\\s*\\(\\s*)?\\$");
  static final Pattern INSERT_WITH_TENANT =
      Pattern.compile("\\bINSERT\\s+INTO\\s+[a-z_]+(?:\\s+AS\\s+[a-z]+)?\\s*\\([^)]*\\btenant_id\\b");

  private static boolean namesTenantTable(String sql) {
    return TableOwnershipTest.references(sql).stream()
        .anyMatch(t -> TableOwnershipTest.OWNERS.containsKey(t) && !GLOBAL_TABLES.contains(t));
  }

  /** The tenant tables {@code sql} names without constraining their tenant_id. */
  static List<String> unfiltered(String sql) {
    List<String> out = new ArrayList<>();
    Matcher m = REFERENCE.matcher(sql);
    while (m.find()) {
      String table = m.group(2);
      if (!TableOwnershipTest.OWNERS.containsKey(table) || GLOBAL_TABLES.contains(table)) {
        continue;
      }
      boolean filtered = m.group(1).equals("INTO")
          ? insertsTenant(sql, m.end(2))
          : constrains(sql, m.group(3) == null ? table : m.group(3), m.group(3) == null);
      if (!filtered && !out.contains(table)) {
        out.add(table);
      }
    }
    return out;
  }

  /** An insert's column list (right after the table and its alias) names tenant_id. */
  private static boolean insertsTenant(String sql, int afterTable) {
    int open = sql.indexOf('(', afterTable);
    int close = open < 0 ? -1 : sql.indexOf(')', open);
    return close > 0 && sql.substring(open, close).matches("(?s).*\\btenant_id\\b.*");
  }

  /** A predicate on {@code qualifier.tenant_id} (or a bare tenant_id, for a table without alias). */
  private static boolean constrains(String sql, String qualifier, boolean bareAllowed) {
    String column = "(?:" + Pattern.quote(qualifier) + "\\." + (bareAllowed ? "|(?<![\\w.])" : "") + ")tenant_id\\b";
    return Pattern.compile(column + "\\s*(?:=|<>|\\bIN\\b)|(?:=|\\bIN\\s*\\()\\s*" + column).matcher(sql).find();
  }

  /** A prefix (or part) that other constants compose into whole statements, each checked itself. */
  private static boolean isFragmentOfAnother(String sql, Map<String, String> all) {
    return all.values().stream().anyMatch(other -> other.length() > sql.length() && other.contains(sql));
  }

  /** Every {@code static final String} of every class under src/main naming a table, by package.Class.FIELD. */
  static Map<String, String> sqlConstants() throws IOException, ReflectiveOperationException {
    Map<String, String> out = new LinkedHashMap<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(SOURCES)) {
      files = walk.filter(f -> f.toString().endsWith(".java")).sorted().collect(Collectors.toList());
    }
    for (Path file : files) {
      Path relative = SOURCES.relativize(file);
      String dotted = relative.toString().replace(java.io.File.separatorChar, '.').replaceAll("\\.java$", "");
      Class<?> type = Class.forName("io.flare.iem." + dotted, false, TenantQueriesTest.class.getClassLoader());
      for (Field field : type.getDeclaredFields()) {
        int mods = field.getModifiers();
        if (field.getType() != String.class || !Modifier.isStatic(mods) || !Modifier.isFinal(mods)) {
          continue;
        }
        field.setAccessible(true);
        String value = (String) field.get(null);
        if (value != null && !TableOwnershipTest.references(value).isEmpty()) {
          out.put(dotted + "." + field.getName(), value);
        }
      }
    }
    return out;
  }
}
