package io.flare.iem.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The caller-auth and gRPC TLS variables of {@link AppConfig#fromEnv(Map)}. */
class CallerAuthConfigTest {

  static Map<String, String> production(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of(
        "PGHOST", "db.internal",
        "IEM_REDIS_URL", "redis://redis.internal:6379",
        "IEM_SIGNING_KEY_FILE", "/etc/iem/signing/keys.pem",
        "IEM_PASSWORD_KEY_FILE", "/etc/iem/password-key/key"));
    env.putAll(extra);
    return env;
  }

  static final Map<String, String> AUTH = Map.of(
      "IEM_AUTH_ISSUER", "https://tokens.flare.internal",
      "IEM_AUTH_AUDIENCE", "iem-okta",
      "IEM_AUTH_JWKS", "/etc/iem/caller-jwks/jwks.json");

  @Test
  void production_refuses_to_start_without_caller_auth_and_names_every_variable() {
    assertThatThrownBy(() -> AppConfig.fromEnv(production(Map.of())))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .anyMatch(p -> p.startsWith("IEM_AUTH_ISSUER is required"))
            .anyMatch(p -> p.startsWith("IEM_AUTH_AUDIENCE is required"))
            .anyMatch(p -> p.startsWith("IEM_AUTH_JWKS is required"))
            .allMatch(p -> !p.startsWith("IEM_AUTH_") || p.contains("only IEM_DEV=true may run without it")));
  }

  @Test
  void production_with_a_jwks_file_is_configured() {
    AppConfig config = AppConfig.fromEnv(production(AUTH));

    CallerAuthConfig auth = config.callerAuth().orElseThrow();
    assertThat(auth.issuer()).isEqualTo("https://tokens.flare.internal");
    assertThat(auth.audience()).isEqualTo("iem-okta");
    assertThat(auth.jwks().file()).contains(Path.of("/etc/iem/caller-jwks/jwks.json"));
    assertThat(auth.jwks().url()).isEmpty();
    assertThat(auth.clockSkew()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void the_jwks_staleness_bound_defaults_to_an_hour_and_is_validated() {
    assertThat(AppConfig.fromEnv(production(AUTH)).callerAuth().orElseThrow().maxStaleness())
        .isEqualTo(Duration.ofHours(1));

    var env = production(AUTH);
    env.put("IEM_AUTH_JWKS_MAX_STALENESS_SECONDS", "7200");
    assertThat(AppConfig.fromEnv(env).callerAuth().orElseThrow().maxStaleness()).isEqualTo(Duration.ofHours(2));

    env.put("IEM_AUTH_JWKS_MAX_STALENESS_SECONDS", "60");
    assertThatThrownBy(() -> AppConfig.fromEnv(env))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .containsExactly("IEM_AUTH_JWKS_MAX_STALENESS_SECONDS must be between 900 and 86400, got 60"));
    env.put("IEM_AUTH_JWKS_MAX_STALENESS_SECONDS", "forever");
    assertThatThrownBy(() -> AppConfig.fromEnv(env))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .containsExactly("IEM_AUTH_JWKS_MAX_STALENESS_SECONDS must be a whole number, got 'forever'"));
  }

  @Test
  void an_https_jwks_url_is_a_url() {
    var env = production(AUTH);
    env.put("IEM_AUTH_JWKS", "https://tokens.flare.internal/.well-known/jwks.json");
    env.put("IEM_AUTH_CLOCK_SKEW_SECONDS", "30");

    CallerAuthConfig auth = AppConfig.fromEnv(env).callerAuth().orElseThrow();

    assertThat(auth.jwks().url()).contains(URI.create("https://tokens.flare.internal/.well-known/jwks.json"));
    assertThat(auth.jwks().file()).isEmpty();
    assertThat(auth.clockSkew()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void a_plain_http_jwks_url_is_refused_unless_on_loopback() {
    var env = production(AUTH);
    env.put("IEM_AUTH_JWKS", "http://tokens.flare.internal/jwks.json");
    assertThatThrownBy(() -> AppConfig.fromEnv(env))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .containsExactly("IEM_AUTH_JWKS must use https (plain http is allowed on loopback only)"));

    env.put("IEM_AUTH_JWKS", "http://127.0.0.1:9000/jwks.json");
    assertThat(AppConfig.fromEnv(env).callerAuth().orElseThrow().jwks().url()).isPresent();
  }

  @Test
  void dev_mode_may_run_without_caller_auth_but_not_with_half_of_it() {
    assertThat(AppConfig.fromEnv(Map.of("IEM_DEV", "true")).callerAuth()).isEmpty();

    assertThatThrownBy(() -> AppConfig.fromEnv(Map.of("IEM_DEV", "true", "IEM_AUTH_ISSUER", "https://tokens")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(2)
            .allMatch(p -> p.contains("partly configured")));
  }

  @Test
  void dev_mode_with_caller_auth_configured_keeps_it_on() {
    var env = new HashMap<>(AUTH);
    env.put("IEM_DEV", "true");

    assertThat(AppConfig.fromEnv(env).callerAuth()).isPresent();
  }

  @Test
  void grpc_tls_needs_both_the_certificate_and_the_key() {
    var env = production(AUTH);
    assertThat(AppConfig.fromEnv(env).grpcTls()).isEmpty();

    env.put("IEM_GRPC_TLS_CERT_FILE", "/etc/iem/tls/tls.crt");
    assertThatThrownBy(() -> AppConfig.fromEnv(env))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .containsExactly("IEM_GRPC_TLS_CERT_FILE and IEM_GRPC_TLS_KEY_FILE go together: set both for TLS,"
                + " or neither for plaintext h2c"));

    env.put("IEM_GRPC_TLS_KEY_FILE", "/etc/iem/tls/tls.key");
    assertThat(AppConfig.fromEnv(env).grpcTls())
        .contains(new GrpcTlsConfig(Path.of("/etc/iem/tls/tls.crt"), Path.of("/etc/iem/tls/tls.key")));
  }
}
