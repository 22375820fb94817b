package io.flare.iem.badinput;

import static io.flare.iem.badinput.Bad.EMPTY;
import static io.flare.iem.badinput.Bad.FOREIGN_TENANT;
import static io.flare.iem.badinput.Bad.LIKE;
import static io.flare.iem.badinput.Bad.MIXED_SCRIPT;
import static io.flare.iem.badinput.Bad.SQL;

import io.grpc.Status;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * THE table: per RPC and field path, which bad values the field's rule accepts; every other
 * applicable value is refused with INVALID_ARGUMENT naming the field. A legal value gets the
 * answer of the RPC's base request ({@link Bases}), plus the writes declared here: a case must
 * change exactly the tables its answer names, so a legal value is seen to be taken. {@code "*"}
 * stands for every RPC with that field; an RPC's own entry wins. A generated case without an
 * entry, or an entry no case uses, fails the test: the table always matches the contract.
 */
final class ExpectedAnswers {

  /** Free text, 1 or more characters: {@code Fields.text} refuses control, format and unassigned characters. */
  static final Set<Bad> TEXT = EnumSet.of(MIXED_SCRIPT, LIKE, SQL);
  /** Free text that may be empty. */
  static final Set<Bad> OPTIONAL_TEXT = EnumSet.of(EMPTY, MIXED_SCRIPT, LIKE, SQL);
  /** An idempotency key: optional, at most 128 printable ASCII characters without spaces. */
  static final Set<Bad> REQUEST_ID = EnumSet.of(EMPTY, LIKE);
  /** A rule that accepts none of the values (ids, enums, numbers with a range, timestamps...). */
  static final Set<Bad> NONE = EnumSet.noneOf(Bad.class);
  /** Read by nobody: output-only fields of a request, or fields its mask does not name. */
  static final Set<Bad> ANY = EnumSet.allOf(Bad.class);

  /** The output-only fields of {@code Integration}: ignored on create and never in an update mask. */
  static final List<String> OUTPUT_ONLY = List.of("integration_id", "etag", "create_time", "update_time",
      "okta_lockout_threshold", "okta_org_url", "jwks_url", "signing_keys[].key_id", "signing_keys[].state",
      "signing_keys[].create_time", "signing_keys[].sign_time", "signing_keys[].retire_time");

  static final String[] INTEGRATION_WRITE = {"integrations", "audit_events"};

  /**
   * Read {@code refuse(rpc, path, accepted)} as "every value of the field but {@code accepted} is
   * INVALID_ARGUMENT naming it"; {@code answer(rpc, path, values, answer)} as "these values get
   * this answer instead"; {@code ignore} as "nothing reads the field".
   */
  static ExpectedAnswers table() {
    ExpectedAnswers t = new ExpectedAnswers()
        .refuse("*", "tenant_id", NONE)
        .answer("*", "tenant_id", FOREIGN_TENANT, Answer.of(Status.Code.PERMISSION_DENIED))
        .refuse("*", "page_size", NONE)
        .refuse("*", "page_token", EnumSet.of(EMPTY))
        .refuse("*", "cursor", EnumSet.of(EMPTY)) // the feeds: empty starts at the oldest change retained
        .refuse("*", "request_id", REQUEST_ID)
        // IntegrationConfigService
        .refuse("CreateIntegration", "integration.kind", NONE)
        .refuse("*", "integration.display_name", TEXT)
        .refuse("*", "integration.okta_domain", NONE)
        .refuse("*", "integration.client_id", NONE)
        .refuse("*", "integration.max_daily_password_attempts", NONE)
        .refuse("*", "integration.mitigation_mode", NONE)
        .ignore("UpdateIntegration", "integration.kind") // the mask does not name it
        .refuse("CreateIntegration", "integration.protected_group_ids[]", NONE, "integration.protected_group_ids[0]")
        .refuse("CreateIntegration", "integration.protected_logins[]", TEXT, "integration.protected_logins[0]")
        .ignore("UpdateIntegration", "integration.protected_group_ids[]") // the mask does not name them
        .ignore("UpdateIntegration", "integration.protected_logins[]")
        .writes("UpdateIntegration", "integration.display_name", INTEGRATION_WRITE)
        .refuse("*", "update_mask.paths[]", NONE, "update_mask")
        .answer("UpdateIntegration", "etag", EnumSet.complementOf(EnumSet.of(EMPTY, FOREIGN_TENANT)),
            Answer.of(Status.Code.ABORTED)) // stale; an empty etag is not compared
        .answer("DeleteIntegration", "etag", EnumSet.complementOf(EnumSet.of(EMPTY, FOREIGN_TENANT)),
            Answer.of(Status.Code.ABORTED))
        .skip("DeleteIntegration", "etag", EMPTY) // legal: it would delete the integration every case needs
        .refuse("*", "settings.identifier_cap", NONE)
        .refuse("*", "settings.time_zone", EnumSet.of(EMPTY)) // empty means UTC, the tenant's zone already
        .refuse("*", "settings.nightly_sync_hour", NONE)
        .refuse("*", "settings.full_sync_interval_days", NONE)
        // IdentitySyncService
        .refuse("*", "mode", NONE)
        .refuse("*", "sync_run_id", NONE)
        .refuse("*", "status", NONE)
        .refuse("ListIdentities", "login_prefix", OPTIONAL_TEXT)
        .answer("ListIdentities", "login_prefix", TEXT, Answer.OK.listing(0)) // no login starts so
        .refuse("*", "identity_id", NONE)
        // CredentialCheckService
        .refuse("*", "username", TEXT)
        .refuse("*", "password", EnumSet.complementOf(EnumSet.of(EMPTY, Bad.TOO_LONG))) // only its length counts
        .refuse("*", "leak.leak_id", OPTIONAL_TEXT)
        .refuse("*", "leak.source", OPTIONAL_TEXT)
        .refuse("*", "leak.source_kind", EnumSet.of(EMPTY))
        .refuse("*", "leak.leaked_time", NONE)
        .refuse("CheckCredentials", "request_id", EnumSet.of(LIKE)) // required in a stream
        .answer("CheckCredentials", "request_id", LIKE, Answer.OK) // CheckCredential's case used the key: a replay
        .refuse("*", "check_id", NONE)
        .refuse("*", "outcome", NONE)
        .refuse("*", "state", NONE)
        .refuse("*", "mitigation_id", NONE)
        .refuse("*", "actor", TEXT)
        .refuse("*", "reason", OPTIONAL_TEXT);
    for (String field : OUTPUT_ONLY) {
      t.ignore("*", "integration." + field);
    }
    return t;
  }

  /** How one field answers the bad values. */
  private record Rule(Answer refused, Set<Bad> legal, Map<Bad, Answer> overrides, Set<String> writes,
      Set<Bad> skipped) {}

  private final Map<String, Rule> rules = new LinkedHashMap<>();
  private final Set<String> used = new TreeSet<>();

  /** The answer of {@code rpc} with {@code path} set to {@code bad}, its base answering {@code base}; null: skipped. */
  Answer expected(String rpc, String path, Bad bad, Answer base) {
    Rule rule = rule(rpc, path);
    if (rule.skipped().contains(bad)) {
      return null;
    }
    if (rule.overrides().containsKey(bad)) {
      return rule.overrides().get(bad);
    }
    return rule.legal().contains(bad) ? base.writing(rule.writes()) : rule.refused();
  }

  /** What the field's rule answers a value it refuses (a hostile Okta domain, say). */
  Answer refused(String rpc, String path) {
    return rule(rpc, path).refused();
  }

  private Rule rule(String rpc, String path) {
    String key = rules.containsKey(rpc + " " + path) ? rpc + " " + path : "* " + path;
    Rule rule = rules.get(key);
    if (rule == null) {
      throw new AssertionError("the table declares nothing for " + rpc + " " + path);
    }
    used.add(key);
    return rule;
  }

  /** Entries no generated case looked up. */
  Set<String> unused() {
    Set<String> out = new TreeSet<>(rules.keySet());
    out.removeAll(used);
    return out;
  }

  int size() {
    return rules.size();
  }

  private ExpectedAnswers refuse(String rpc, String path, Set<Bad> accepted) {
    return refuse(rpc, path, accepted, path);
  }

  private ExpectedAnswers refuse(String rpc, String path, Set<Bad> accepted, String named) {
    rules.put(rpc + " " + path, new Rule(Answer.invalid(named), accepted, new EnumMap<>(Bad.class), Set.of(),
        EnumSet.noneOf(Bad.class)));
    return this;
  }

  private ExpectedAnswers ignore(String rpc, String path) {
    return refuse(rpc, path, ANY);
  }

  private ExpectedAnswers answer(String rpc, String path, Bad bad, Answer answer) {
    return answer(rpc, path, EnumSet.of(bad), answer);
  }

  /** {@code values} of the field get {@code answer}, whatever its rule; declares the rule if there is none. */
  private ExpectedAnswers answer(String rpc, String path, Set<Bad> values, Answer answer) {
    values.forEach(bad -> own(rpc, path).overrides().put(bad, answer));
    return this;
  }

  /** The rule of {@code path} in {@code rpc}: a copy of the {@code "*"} one (or one accepting anything) if it has none. */
  private Rule own(String rpc, String path) {
    return rules.computeIfAbsent(rpc + " " + path, key -> {
      Rule general = rules.get("* " + path);
      return general == null ? new Rule(Answer.invalid(path), ANY, new EnumMap<>(Bad.class), Set.of(),
          EnumSet.noneOf(Bad.class))
          : new Rule(general.refused(), general.legal(), new EnumMap<>(general.overrides()), general.writes(),
              EnumSet.copyOf(general.skipped()));
    });
  }

  private ExpectedAnswers skip(String rpc, String path, Bad bad) {
    own(rpc, path).skipped().add(bad);
    return this;
  }

  /** The legal values of the field change {@code tables} (the test puts the base back after each). */
  private ExpectedAnswers writes(String rpc, String path, String... tables) {
    Rule rule = own(rpc, path);
    rules.put(rpc + " " + path, new Rule(rule.refused(), rule.legal(), rule.overrides(), Set.of(tables),
        rule.skipped()));
    return this;
  }
}
