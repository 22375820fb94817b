package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.SkipReason;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One test per outcome and skip reason, through gRPC against the simulated org. The tenant's
 * daily cap is 1 and its lockout threshold 10 (a budget of 5), so a second attempt on one identity
 * the same day is throttled by the cap.
 */
class CheckOutcomesTest {

  static CheckHarness h;

  @BeforeAll
  static void start() {
    h = CheckHarness.start(CheckHarness.setup().maxDaily(1).lockoutThreshold(10));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void a_password_okta_accepts_is_VALID() {
    CheckHarness.User u = h.user("valid");

    CredentialCheck c = h.check(u.login(), u.password());

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    assertThat(c.getIdentityId()).isEqualTo(u.identityId().toString());
    assertThat(c.getAttemptsMade()).isEqualTo(1);
    assertThat(c.hasDecideTime()).isTrue();
    assertThat(c.hasNextAttemptTime()).isFalse();
    assertThat(c.hasMitigation()).isFalse(); // VALIDATE_ONLY
    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(1);
  }

  @Test
  void a_password_okta_rejects_is_INVALID() {
    CheckHarness.User u = h.user("invalid");

    CredentialCheck c = h.check(u.login(), "not-" + u.password());

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
    assertThat(c.getAttemptsMade()).isEqualTo(1);
    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(1);
  }

  @Test
  void a_username_no_identity_has_is_NOT_FOUND_and_still_recorded() {
    CredentialCheck c = h.check("  Nobody@Elsewhere.example ", "whatever-1");

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
    assertThat(c.getIdentityId()).isEmpty();
    assertThat(c.getUsername()).isEqualTo("Nobody@Elsewhere.example");
    assertThat(h.get(c.getCheckId())).isEqualTo(c);
    assertThat(h.sim.counters().authnCalls("nobody@elsewhere.example")).isZero();
  }

  @Test
  void the_username_matches_case_insensitively_and_trimmed_by_login_or_email() {
    CheckHarness.User u = h.user("MixedCase");

    CredentialCheck c = h.check("  " + u.login().toUpperCase() + "\t", "wrong-" + u.password());

    assertThat(c.getIdentityId()).isEqualTo(u.identityId().toString());
    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
  }

  @Test
  void a_second_attempt_the_same_day_is_THROTTLED_until_local_midnight() {
    CheckHarness.User u = h.user("capped");
    h.check(u.login(), "first-wrong");

    CredentialCheck c = h.check(u.login(), "second-wrong");

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
    assertThat(c.getDetail()).contains("daily cap");
    Instant midnight = h.clock.instant().atZone(ZoneOffset.UTC).toLocalDate().plusDays(1).atStartOfDay()
        .toInstant(ZoneOffset.UTC);
    assertThat(c.getNextAttemptTime().getSeconds()).isEqualTo(midnight.getEpochSecond());
    assertThat(c.hasDecideTime()).isFalse();
    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(1);
  }

  @Test
  void a_password_changed_after_the_leak_is_SKIPPED_STALE() {
    CheckHarness.User u = h.user("stale");
    h.sim.setPasswordChanged(u.oktaUserId(), h.clock.instant().minus(Duration.ofHours(1)));

    CredentialCheck c = h.check(u.login(), u.password()); // leaked a day ago

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_SKIPPED);
    assertThat(c.getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_STALE);
    assertThat(c.hasDecideTime()).isTrue();
    assertThat(h.sim.counters().authnCalls(u.login())).isZero();
  }

  @Test
  void a_password_already_tried_is_SKIPPED_ALREADY_TESTED() {
    CheckHarness.User u = h.user("tested");
    CredentialCheck first = h.check(u.login(), "leaked-twice");

    CredentialCheck again = h.check(u.login(), "leaked-twice"); // another leak, another request id

    assertThat(first.getOutcome()).as(first.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
    assertThat(again.getCheckId()).isNotEqualTo(first.getCheckId());
    assertThat(again.getOutcome()).as(again.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_SKIPPED);
    assertThat(again.getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_ALREADY_TESTED);
    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(1);
  }

  @Test
  void a_user_suspended_since_the_sync_is_SKIPPED_INACTIVE_and_the_identity_updated() {
    CheckHarness.User u = h.user("suspended");
    h.sim.setStatus(u.oktaUserId(), "SUSPENDED"); // the stored identity still says ACTIVE

    CredentialCheck c = h.check(u.login(), u.password());

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_SKIPPED);
    assertThat(c.getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_INACTIVE);
    assertThat(c.getDetail()).contains("SUSPENDED");
    assertThat(h.sim.counters().authnCalls(u.login())).isZero();
    String stored = Await.result(h.pool.preparedQuery("SELECT status FROM identities WHERE identity_id = $1")
        .execute(Tuple.of(u.identityId()))).iterator().next().getString(0);
    assertThat(stored).isEqualTo("SUSPENDED");
  }

  @Test
  void a_locked_user_is_LOCKED_OUT_audited_and_not_tried() {
    CheckHarness.User u = h.user("locked");
    h.sim.lock(u.oktaUserId());

    CredentialCheck c = h.check(u.login(), u.password());
    CredentialCheck again = h.check(u.login(), "another-one");

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_LOCKED_OUT);
    assertThat(c.hasDecideTime()).isTrue();
    assertThat(again.getOutcome()).as(again.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_LOCKED_OUT);
    assertThat(h.sim.counters().authnCalls(u.login())).isZero();
    long audited = Await.result(h.pool.preparedQuery("""
        SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND identity_id = $2 AND action = 'identity.locked_out'
        """).execute(Tuple.of(h.tenant, u.identityId()))).iterator().next().getLong(0);
    assertThat(audited).isEqualTo(1);
  }

  @Test
  void okta_unreachable_is_UNVERIFIED_and_decided_later_by_a_worker() {
    CheckHarness.User u = h.user("unverified");
    h.sim.faults().failRate(1.0, 503);
    CredentialCheck c;
    try {
      c = h.check(u.login(), "wrong-while-down");
    } finally {
      h.sim.faults().clear();
    }

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_UNVERIFIED);
    assertThat(c.hasNextAttemptTime()).isTrue();
    assertThat(c.hasDecideTime()).isFalse();

    h.clock.advance(Duration.ofMinutes(1));
    CredentialCheck later = h.awaitCheck(c.getCheckId(), CheckHarness::decided);
    assertThat(later.getOutcome()).as(later.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
  }

  @Test
  void a_check_behind_the_orgs_authn_budget_is_PENDING_and_decided_by_a_worker_when_the_window_resets() {
    try (CheckHarness own = CheckHarness.start(CheckHarness.setup().maxDaily(1).lockoutThreshold(10)
        .sim(options -> options.rateLimitWindow(Duration.ofSeconds(5))))) {
      // ten sign-ins per window for the whole org, of which checks may use 20 %: two
      own.sim.limit(io.flare.iem.oktasim.SimBucket.AUTHN, 10);
      CredentialCheck c = null;
      for (int i = 0; i < 10 && (c == null || c.getOutcome() != CheckOutcome.CHECK_OUTCOME_PENDING); i++) {
        CheckHarness.User u = own.user("budget" + i);
        c = own.check(u.login(), "wrong-" + i);
      }

      assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_PENDING);
      assertThat(c.getDetail()).contains("authn budget");
      assertThat(c.getAttemptsMade()).isZero();
      CredentialCheck later = own.awaitCheck(c.getCheckId(), CheckHarness::decided);
      assertThat(later.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(own.sim.counters().acceptedPerWindow("anonymous", io.flare.iem.oktasim.SimBucket.AUTHN).values())
          .allMatch(n -> n <= 2);
      assertThat(own.sim.counters().served429()).isZero(); // waited for the window instead of being refused
    }
  }

  @Test
  void a_tenant_without_integration_gets_NOT_FOUND() {
    var e = org.assertj.core.api.Assertions.catchThrowableOfType(io.grpc.StatusRuntimeException.class,
        () -> h.checks().checkCredential(h.request("a@b.example", "pw").setTenantId("no-such-tenant").build()));
    assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
  }
}
