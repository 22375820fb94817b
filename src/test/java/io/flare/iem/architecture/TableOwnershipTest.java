package io.flare.iem.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Each capability reads and writes only its own tables; the others' go through their Java API.
 * Every table the migrations create has an owner here, and no SQL in {@code src/main} outside the
 * owner's package names it.
 */
class TableOwnershipTest {

  static final Path SOURCES = Path.of("src", "main", "java", "io", "flare", "iem");
  static final Path MIGRATIONS = Path.of("src", "main", "resources", "db", "migration");

  /** Table, and the package that owns it. */
  static final Map<String, String> OWNERS = Map.ofEntries(
      Map.entry("tenants", "integrationconfig"),
      Map.entry("integrations", "integrationconfig"),
      Map.entry("integration_signing_keys", "integrationconfig"),
      Map.entry("protected_accounts", "integrationconfig"),
      Map.entry("integration_directory", "integrationconfig"),
      Map.entry("identities", "identitysync"),
      Map.entry("identifiers", "identitysync"),
      Map.entry("identifier_plans", "identitysync"),
      Map.entry("identity_changes", "identitysync"),
      Map.entry("identity_change_horizons", "identitysync"),
      Map.entry("sync_runs", "identitysync"),
      Map.entry("sync_schedules", "identitysync"),
      Map.entry("credential_checks", "credentialcheck"),
      Map.entry("authn_attempts", "credentialcheck"),
      Map.entry("tested_passwords", "credentialcheck"),
      Map.entry("mitigations", "credentialcheck"),
      Map.entry("check_decisions", "credentialcheck"),
      Map.entry("check_decision_horizons", "credentialcheck"),
      Map.entry("audit_events", "audit"),
      Map.entry("exposure_cases", "exposure"),
      Map.entry("exposure_events", "exposure"),
      Map.entry("risk_signal_outbox", "exposure"));

  /** A table named where SQL names one (upper-case keywords, as all our SQL is written). */
  static final Pattern TABLE_REFERENCE =
      Pattern.compile("\\b(?:FROM|JOIN|INTO|UPDATE|TABLE|USING)\\s+([a-z_][a-z0-9_]*)\\b");
  static final Pattern CREATE_TABLE = Pattern.compile("\\bCREATE\\s+(?:UNLOGGED\\s+)?TABLE\\s+([a-z_][a-z0-9_]*)");

  @Test
  void every_table_has_an_owning_capability() throws IOException {
    TreeSet<String> created = new TreeSet<>();
    try (Stream<Path> files = Files.list(MIGRATIONS)) {
      for (Path file : files.toList()) {
        Matcher m = CREATE_TABLE.matcher(Files.readString(file));
        while (m.find()) {
          created.add(m.group(1));
        }
      }
    }
    assertThat(created).as("tables created by the migrations").isNotEmpty();
    assertThat(OWNERS.keySet()).as("tables with an owner").containsAll(created);
  }

  @Test
  void no_sql_in_one_package_names_a_table_another_one_owns() throws IOException {
    List<String> trespasses = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String pkg = SOURCES.relativize(file).getNameCount() > 1 ? SOURCES.relativize(file).getName(0).toString() : "";
        Matcher m = TABLE_REFERENCE.matcher(Files.readString(file));
        while (m.find()) {
          String owner = OWNERS.get(m.group(1));
          if (owner != null && !owner.equals(pkg)) {
            trespasses.add(SOURCES.relativize(file) + " names " + m.group(1) + ", which " + owner + " owns");
          }
        }
      }
    }
    assertThat(trespasses).as("SQL naming another capability's table").isEmpty();
  }

  @Test
  void the_rule_sees_sql_as_this_project_writes_it() {
    assertThat(references("SELECT identity_id FROM identities WHERE tenant_id = $1")).containsExactly("identities");
    assertThat(references("""
        UPDATE mitigations AS m SET state = $3
        WHERE EXISTS (SELECT 1 FROM authn_attempts a JOIN credential_checks c ON c.check_id = a.check_id)
        """)).containsExactly("mitigations", "authn_attempts", "credential_checks");
    assertThat(references("DELETE FROM identifiers d USING identities i WHERE ...")).containsExactly("identifiers",
        "identities");
    assertThat(references("INSERT INTO sync_schedules (tenant_id) VALUES ($1)")).containsExactly("sync_schedules");
    assertThat(references("reads rows from identities, in prose")).isEmpty();
  }

  static List<String> references(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = TABLE_REFERENCE.matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
