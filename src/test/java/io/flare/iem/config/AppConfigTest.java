package io.flare.iem.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AppConfigTest {

  /** What a production deployment sets at least. */
  static Map<String, String> production() {
    Map<String, String> env = new HashMap<>();
    env.put("PGHOST", "db.internal");
    env.put("PGPASSWORD", "s3cret-pg");
    env.put("IEM_REDIS_URL", "redis://redis.internal:6379");
    env.put("IEM_SIGNING_KEY_FILE", "/secrets/signing/keys.pem");
    env.put("IEM_PASSWORD_KEY_FILE", "/secrets/password/key");
    env.put("IEM_AUTH_ISSUER", "https://tokens.flare.example");
    env.put("IEM_AUTH_AUDIENCE", "iem-okta");
    env.put("IEM_AUTH_JWKS", "https://tokens.flare.example/.well-known/jwks.json");
    return env;
  }

  @Test
  void production_configuration_parses_with_defaults() {
    AppConfig config = AppConfig.fromEnv(production());
    assertThat(config.dev()).isFalse();
    assertThat(config.grpcPort()).isEqualTo(50051);
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.postgres().orElseThrow().port()).isEqualTo(5432);
    assertThat(config.oktaInsecureHosts()).isEmpty();
    assertThat(config.publicBaseUrl().toString()).isEqualTo("https://api.flare.io");
  }

  @Test
  void every_problem_is_reported_at_once() {
    Map<String, String> env = new HashMap<>();
    env.put("IEM_GRPC_PORT", "seventy");
    env.put("IEM_HTTP_PORT", "70000");
    env.put("IEM_DEV", "maybe");
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("IEM_GRPC_PORT must be a whole number"))
        .anySatisfy(p -> assertThat(p).contains("IEM_HTTP_PORT must be between 0 and 65535"))
        .anySatisfy(p -> assertThat(p).contains("IEM_DEV must be true or false"))
        .anySatisfy(p -> assertThat(p).contains("PGHOST is required"))
        .anySatisfy(p -> assertThat(p).contains("IEM_REDIS_URL is required"))
        .anySatisfy(p -> assertThat(p).contains("IEM_SIGNING_KEY_FILE is required"));
    assertThat(e.getMessage()).contains("PGHOST is required").contains("IEM_REDIS_URL is required");
  }

  @Test
  void dev_mode_needs_nothing_else() {
    AppConfig config = AppConfig.fromEnv(Map.of("IEM_DEV", "true"));
    assertThat(config.dev()).isTrue();
    assertThat(config.postgres()).isEmpty();
    assertThat(config.redisUrl()).isEmpty();
  }

  @Test
  void postgres_password_never_shows_in_to_string() {
    AppConfig config = AppConfig.fromEnv(production());
    assertThat(config.toString()).doesNotContain("s3cret-pg");
  }

  @Test
  void insecure_hosts_are_a_lower_cased_comma_list_in_dev_mode() {
    Map<String, String> env = new HashMap<>(Map.of("IEM_DEV", "true"));
    env.put("IEM_OKTA_INSECURE_HOSTS", " 127.0.0.1, Okta-Sim.local ,,");
    assertThat(AppConfig.fromEnv(env).oktaInsecureHosts()).containsExactlyInAnyOrder("127.0.0.1", "okta-sim.local");
  }

  @Test
  void outside_dev_mode_insecure_okta_hosts_are_refused() {
    Map<String, String> env = production();
    env.put("IEM_OKTA_INSECURE_HOSTS", "127.0.0.1");

    assertThat(catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env)).problems())
        .singleElement().asString().startsWith("IEM_OKTA_INSECURE_HOSTS is for dev mode only");
    assertThatThrownBy(() -> AppConfig.fromEnv(production()).withOktaInsecureHosts(Set.of("127.0.0.1")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void one_redis_url_is_a_single_redis_and_a_cluster_is_its_nodes_with_iem_redis_cluster() {
    AppConfig single = AppConfig.fromEnv(production());
    assertThat(single.redisCluster()).isFalse();
    assertThat(single.redisEndpoints()).containsExactly("redis://redis.internal:6379");

    Map<String, String> env = production();
    env.put("IEM_REDIS_CLUSTER", "true");
    env.put("IEM_REDIS_URL", " rediss://node-a.internal:6380 ,rediss://node-b.internal:6380,,");
    AppConfig cluster = AppConfig.fromEnv(env);
    assertThat(cluster.redisCluster()).isTrue();
    assertThat(cluster.redisEndpoints()).containsExactly("rediss://node-a.internal:6380",
        "rediss://node-b.internal:6380");

    env.put("IEM_REDIS_URL", "redis://clustercfg.internal:6379"); // one node is enough to discover a cluster
    assertThat(AppConfig.fromEnv(env).redisEndpoints()).containsExactly("redis://clustercfg.internal:6379");
  }

  @Test
  void several_redis_urls_without_iem_redis_cluster_or_a_cluster_without_nodes_are_refused() {
    Map<String, String> several = production();
    several.put("IEM_REDIS_URL", "redis://a.internal:6379,redis://b.internal:6379");
    assertThat(catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(several)).problems())
        .containsExactly("IEM_REDIS_URL names 2 servers: a comma list is the nodes of a Redis Cluster, set"
            + " IEM_REDIS_CLUSTER=true (a single Redis is one URL)");

    Map<String, String> noNodes = production();
    noNodes.remove("IEM_REDIS_URL");
    noNodes.put("IEM_REDIS_CLUSTER", "true");
    assertThat(catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(noNodes)).problems())
        .anySatisfy(p -> assertThat(p).startsWith("IEM_REDIS_CLUSTER=true needs IEM_REDIS_URL"));

    Map<String, String> badNode = production();
    badNode.put("IEM_REDIS_CLUSTER", "true");
    badNode.put("IEM_REDIS_URL", "redis://a.internal:6379,b.internal:6379");
    assertThat(catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(badNode)).problems())
        .containsExactly("IEM_REDIS_URL must start with redis:// or rediss://");
  }

  @Test
  void dev_mode_refuses_a_redis_cluster_node_off_this_machine() {
    Map<String, String> env = new HashMap<>(Map.of("IEM_DEV", "true", "IEM_REDIS_CLUSTER", "true",
        "IEM_REDIS_URL", "redis://127.0.0.1:7000,redis://redis.internal:7001"));
    assertThat(catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env)).problems())
        .containsExactly("IEM_REDIS_URL must name a loopback host in dev mode (localhost, 127.0.0.1 or ::1), got"
            + " 'redis.internal'");
    env.put("IEM_REDIS_URL", "redis://127.0.0.1:7000,redis://localhost:7001");
    assertThat(AppConfig.fromEnv(env).redisEndpoints()).hasSize(2);
  }

  @Test
  void dev_mode_binds_loopback_unless_told_otherwise_and_production_binds_every_address() {
    assertThat(AppConfig.fromEnv(Map.of("IEM_DEV", "true")).bindHost()).isEqualTo("127.0.0.1");
    assertThat(AppConfig.fromEnv(Map.of("IEM_DEV", "true", "IEM_BIND_HOST", "0.0.0.0")).bindHost()).isEqualTo("0.0.0.0");
    assertThat(AppConfig.fromEnv(production()).bindHost()).isEqualTo("0.0.0.0");
  }

  @Test
  void dev_mode_refuses_postgres_and_redis_off_this_machine() {
    Map<String, String> env = production();
    env.put("IEM_DEV", "true");

    assertThat(catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env)).problems())
        .containsExactlyInAnyOrder(
            "PGHOST must be a loopback address in dev mode (localhost, 127.0.0.1 or ::1), got 'db.internal'",
            "IEM_REDIS_URL must name a loopback host in dev mode (localhost, 127.0.0.1 or ::1), got 'redis.internal'");

    for (String[] loopback : new String[][] {{"localhost", "redis://localhost:6379"},
        {"127.0.0.1", "redis://127.0.0.1:6380/0"}, {"::1", "redis://[::1]:6379"}, {"127.1.2.3", "rediss://127.0.0.9"}}) {
      env.put("PGHOST", loopback[0]);
      env.put("IEM_REDIS_URL", loopback[1]);
      assertThat(AppConfig.fromEnv(env).dev()).as("%s and %s", loopback[0], loopback[1]).isTrue();
    }
    env.put("PGHOST", "127.0.0.1.attacker.example");
    env.put("IEM_REDIS_URL", "redis://localhost.attacker.example:6379");
    assertThat(catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env)).problems()).hasSize(2);
  }

  @Test
  void egress_addresses_are_ips_or_cidrs_and_each_bad_one_is_named() {
    Map<String, String> env = production();
    assertThat(AppConfig.fromEnv(env).okta().egressAddresses()).isEmpty();
    env.put("IEM_EGRESS_ADDRESSES", " 203.0.113.7, 198.51.100.0/24 ,2001:db8::/48,,");
    assertThat(AppConfig.fromEnv(env).okta().egressAddresses()).extracting(IpBlock::text)
        .containsExactly("203.0.113.7", "198.51.100.0/24", "2001:db8::/48");
    env.put("IEM_EGRESS_ADDRESSES", "203.0.113.7,okta-egress.flare.io,10.0.0.0/33");
    assertThat(catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env)).problems())
        .containsExactly("IEM_EGRESS_ADDRESSES: 'okta-egress.flare.io' is not an IP address, a CIDR or a range of"
            + " addresses", "IEM_EGRESS_ADDRESSES: '10.0.0.0/33' has no valid prefix length (0 to 32)");
  }

  @Test
  void redis_url_must_be_a_redis_url() {
    Map<String, String> env = production();
    env.put("IEM_REDIS_URL", "http://redis:6379");
    assertThat(catchThrowableOfType(ConfigException.class, () -> AppConfig.fromEnv(env)).problems())
        .containsExactly("IEM_REDIS_URL must start with redis:// or rediss://");
  }
}
