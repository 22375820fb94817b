package io.flare.iem.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The credential-check variables: the authn share and the worker's concurrency. */
class CheckConfigTest {

  @Test
  void the_authn_share_and_workers_have_defaults() {
    AppConfig config = AppConfig.fromEnv(AppConfigTest.production());
    assertThat(config.checks().authnShare()).isEqualTo(0.2);
    assertThat(config.checks().workers()).isEqualTo(16);
  }

  @Test
  void the_authn_share_and_workers_are_read_and_bounded() {
    Map<String, String> env = AppConfigTest.production();
    env.put("IEM_CHECK_AUTHN_SHARE", "0.35");
    env.put("IEM_CHECK_WORKERS", "4");
    AppConfig config = AppConfig.fromEnv(env);
    assertThat(config.checks().authnShare()).isEqualTo(0.35);
    assertThat(config.checks().workers()).isEqualTo(4);

    env.put("IEM_CHECK_AUTHN_SHARE", "1.5");
    env.put("IEM_CHECK_WORKERS", "0");
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("IEM_CHECK_AUTHN_SHARE must be between 0.01 and 1"))
        .anySatisfy(p -> assertThat(p).contains("IEM_CHECK_WORKERS must be between 1 and 256"));
  }

  @Test
  void an_unconfirmed_rejection_is_retried_after_30_days_unless_configured() {
    assertThat(AppConfig.fromEnv(AppConfigTest.production()).checks().unconfirmedRetry())
        .isEqualTo(java.time.Duration.ofDays(30));
    Map<String, String> env = AppConfigTest.production();
    env.put("IEM_CHECK_UNCONFIRMED_RETRY_DAYS", "7");
    assertThat(AppConfig.fromEnv(env).checks().unconfirmedRetry()).isEqualTo(java.time.Duration.ofDays(7));

    env.put("IEM_CHECK_UNCONFIRMED_RETRY_DAYS", "0");
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("IEM_CHECK_UNCONFIRMED_RETRY_DAYS must be between 1"));
  }

  @Test
  void production_needs_the_password_key_file() {
    Map<String, String> env = AppConfigTest.production();
    env.remove("IEM_PASSWORD_KEY_FILE");
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("IEM_PASSWORD_KEY_FILE is required"));
  }

  @Test
  void a_lease_must_hold_an_okta_call_and_the_storing_of_its_answer() {
    Map<String, String> env = AppConfigTest.production();
    env.put("IEM_CHECK_LEASE_SECONDS", "30");
    env.put("IEM_OKTA_REQUEST_TIMEOUT_SECONDS", "25");
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p)
        .contains("IEM_CHECK_LEASE_SECONDS (30) must exceed IEM_OKTA_REQUEST_TIMEOUT_SECONDS (25) by at least 10"));

    env.put("IEM_OKTA_REQUEST_TIMEOUT_SECONDS", "20");
    assertThat(AppConfig.fromEnv(env).checks().leaseSeconds()).isEqualTo(30);
    assertThat(io.flare.iem.credentialcheck.CheckSettings.from(AppConfig.fromEnv(env).checks(),
        java.time.Duration.ofSeconds(20)).callWaitBound()).as("lease - timeout - 5 s").isEqualTo(
        java.time.Duration.ofSeconds(5));
  }
}
