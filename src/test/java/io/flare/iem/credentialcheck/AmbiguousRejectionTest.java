package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.Leak;
import io.flare.iem.v1.SkipReason;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A 401 from {@code /api/v1/authn} is not always a wrong password (okta-api.md §4), against a
 * simulated org: a right password behind a sign-on policy deny, a hidden lockout, an Identity Engine
 * unknown-device block, a System Log slower than the bound. With {@code okta.logs.read} every 401 is explained by the System Log of its
 * request; without it, it is an unconfirmed INVALID that a later leak may try again.
 */
class AmbiguousRejectionTest {

  static final String[] WITH_LOGS = {"okta.users.read", "okta.users.manage", "okta.policies.read", "okta.logs.read"};

  /** A Classic Engine org that grants okta.logs.read, its System Log a little behind. */
  static CheckHarness logs;
  /** A Classic Engine org that does not grant okta.logs.read. */
  static CheckHarness noLogs;

  @BeforeAll
  static void start() {
    logs = CheckHarness.start(CheckHarness.setup().maxDaily(2).lockoutThreshold(10).sim(o -> o.scopes(WITH_LOGS)));
    logs.sim.systemLog().lag(Duration.ofMillis(400));
    noLogs = CheckHarness.start(CheckHarness.setup().maxDaily(2).lockoutThreshold(10));
  }

  @AfterAll
  static void stop() {
    logs.close();
    noLogs.close();
  }

  @Test
  void a_right_password_denied_by_a_sign_on_policy_is_DENIED_left_untested_and_found_VALID_once_the_policy_allows() {
    CheckHarness.User u = logs.user("denied");
    logs.sim.signOnPolicy().deny(u.oktaUserId());

    CredentialCheck denied = logs.check(u.login(), u.password());

    assertThat(denied.getOutcome()).as(denied.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_DENIED);
    assertThat(denied.getDetail()).contains("policy.evaluate_sign_on", "Sign-on policy evaluation resulted in DENY",
        "left untested");
    assertThat(denied.getAttemptsMade()).isEqualTo(1);
    assertThat(denied.hasDecideTime()).isTrue();

    logs.sim.signOnPolicy().allow(u.oktaUserId());
    CredentialCheck again = logs.check(u.login(), u.password()); // a new leak of the same password

    assertThat(again.getOutcome()).as(again.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    assertThat(logs.sim.counters().authnCalls(u.login())).isEqualTo(2);
  }

  @Test
  void a_wrong_password_is_INVALID_confirmed_by_the_system_log_and_stays_tested() {
    CheckHarness.User u = logs.user("wrong");

    CredentialCheck c = logs.check(u.login(), "not-" + u.password());

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
    assertThat(c.getDetail()).contains("confirmed", "INVALID_CREDENTIALS").doesNotContain("not confirmed");
  }

  @Test
  void a_hidden_lockout_found_in_the_system_log_is_LOCKED_OUT() {
    CheckHarness.User u = logs.user("hidden");
    logs.sim.setPasswordChanged(u.oktaUserId(), logs.clock.instant().minus(Duration.ofHours(1)));
    CredentialCheck stale = logs.check(u.login(), "leaked-before-the-change"); // reads the user: ACTIVE, kept a moment
    assertThat(stale.getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_STALE);
    logs.sim.lock(u.oktaUserId()); // Okta hides lockout failures: authn answers 401 as for a wrong password

    CredentialCheck c = logs.checks().checkCredential(logs.request(u.login(), u.password())
        .setLeak(Leak.newBuilder().setLeakId("leak-" + UUID.randomUUID()).setSource("paste site")
            .setLeakedTime(CheckHarness.ts(logs.clock.instant())))
        .build()).getCheck();

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_LOCKED_OUT);
    assertThat(logs.sim.counters().authnCalls(u.login())).isEqualTo(1);
  }

  @Test
  void a_user_okta_blocks_for_unknown_devices_is_THROTTLED_without_an_attempt_and_tried_when_the_block_lifts() {
    try (CheckHarness ie = CheckHarness.start(CheckHarness.setup().maxDaily(2).lockoutThreshold(10)
        .sim(o -> o.identityEngine(true).scopes(WITH_LOGS)))) {
      CheckHarness.User u = ie.user("blocked");
      ie.sim.userBlocks().blockUnknownDevices(u.oktaUserId());

      CredentialCheck c = ie.check(u.login(), u.password());

      assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
      assertThat(c.getDetail()).contains("unknown devices");
      assertThat(c.getAttemptsMade()).isZero();
      assertThat(ie.sim.counters().authnCalls(u.login())).isZero();

      ie.sim.userBlocks().clear(u.oktaUserId());
      ie.clock.advance(CheckSettings.BLOCK_RECHECK.plusMinutes(1));
      CredentialCheck later = ie.awaitCheck(c.getCheckId(), CheckHarness::decided);

      assertThat(later.getOutcome()).as(later.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
      assertThat(ie.sim.counters().authnCalls(u.login())).isEqualTo(1);
    }
  }

  @Test
  void a_denial_counts_against_the_lockout_budget_as_okta_may_have_counted_the_password() {
    try (CheckHarness own = CheckHarness.start(CheckHarness.setup().maxDaily(2).lockoutThreshold(2)
        .sim(o -> o.scopes("okta.users.read", "okta.policies.read", "okta.logs.read")))) {
      own.sim.systemLog().lag(Duration.ofMillis(100));
      CheckHarness.User u = own.user("budget");
      own.sim.signOnPolicy().deny(u.oktaUserId());

      CredentialCheck denied = own.check(u.login(), "first-leak");
      CredentialCheck next = own.check(u.login(), "second-leak"); // the day's cap has room; the budget (1) not

      assertThat(denied.getOutcome()).as(denied.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_DENIED);
      assertThat(next.getOutcome()).as(next.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
      assertThat(next.getDetail()).contains("lockout budget spent");
      assertThat(own.sim.counters().authnCalls(u.login())).isEqualTo(1);
    }
  }

  @Test
  void a_system_log_slower_than_the_bound_leaves_the_rejection_unconfirmed() {
    try (CheckHarness own = CheckHarness.start(CheckHarness.setup()
        .sim(o -> o.scopes("okta.users.read", "okta.policies.read", "okta.logs.read")))) {
      own.sim.systemLog().lag(CheckSettings.LOG_CONFIRM_WAIT.plusSeconds(30));
      CheckHarness.User u = own.user("lagging");

      CredentialCheck c = own.check(u.login(), "not-" + u.password());

      assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(c.getDetail()).contains("not confirmed", "no System Log event");
    }
  }

  @Test
  void without_okta_logs_read_a_rejection_is_INVALID_unconfirmed_and_tried_again_after_the_retry_interval() {
    CheckHarness.User u = noLogs.user("unconfirmed");
    noLogs.sim.signOnPolicy().deny(u.oktaUserId());

    CredentialCheck first = noLogs.check(u.login(), u.password());

    assertThat(first.getOutcome()).as(first.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
    assertThat(first.getDetail()).contains("not confirmed", "okta.logs.read");

    noLogs.sim.signOnPolicy().allow(u.oktaUserId());
    CredentialCheck soon = noLogs.check(u.login(), u.password());
    assertThat(soon.getOutcome()).as(soon.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_SKIPPED);
    assertThat(soon.getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_ALREADY_TESTED);
    assertThat(soon.getDetail()).contains("not confirmed");

    noLogs.clock.advance(CheckSettings.UNCONFIRMED_RETRY.plusDays(1));
    CredentialCheck later = noLogs.check(u.login(), u.password());

    assertThat(later.getOutcome()).as(later.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    assertThat(noLogs.sim.counters().authnCalls(u.login())).isEqualTo(2);
  }
}
