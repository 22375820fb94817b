package io.flare.iem.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The service's configuration, parsed once from environment variables by {@link #fromEnv(Map)}.
 * Every problem is collected and reported together, so an operator fixes them in one go.
 */
public record AppConfig(
    boolean dev,
    String bindHost,
    int grpcPort,
    int httpPort,
    Optional<Postgres> postgres,
    Optional<String> redisUrl,
    boolean redisCluster,
    Optional<Path> signingKeyFile,
    Optional<Path> passwordKeyFile,
    Path devDataDir,
    Set<String> oktaInsecureHosts,
    URI publicBaseUrl,
    Duration shutdownGrace,
    Okta okta,
    Sync sync,
    Optional<CallerAuthConfig> callerAuth,
    Optional<GrpcTlsConfig> grpcTls,
    Checks checks,
    Retention retention) {

  public AppConfig {
    if (!dev && !oktaInsecureHosts.isEmpty()) {
      throw new IllegalArgumentException("insecure Okta hosts outside dev mode");
    }
  }

  /**
   * Identity sync settings.
   *
   * @param oktaShare {@code IEM_SYNC_OKTA_SHARE}: fraction (0, 1] of the app's users-listing rate limit a sync may
   *     use; the rest stays with checks, mitigation and the customer's other apps (default 0.8)
   * @param maxConcurrentRuns {@code IEM_SYNC_MAX_CONCURRENT_RUNS}: sync runs one replica executes at once (default 2)
   * @param batchUsers {@code IEM_SYNC_BATCH_USERS}: users written per transaction and checkpoint (default 1000)
   * @param incrementalOverlap {@code IEM_SYNC_INCREMENTAL_OVERLAP_SECONDS}: how far before the last watermark an
   *     incremental sync starts listing, against clock skew (default 300)
   * @param lease {@code IEM_SYNC_LEASE_SECONDS}: how long a replica holds a run without renewing it; a replica that
   *     died loses its run to another after this (default 30)
   * @param feedRetention {@code IEM_FEED_RETENTION_DAYS}: how long ListIdentityChanges keeps a change; a cursor
   *     older than this is FAILED_PRECONDITION (re-list); 1 to 365 days (default 7)
   */
  public record Sync(double oktaShare, int maxConcurrentRuns, int batchUsers, Duration incrementalOverlap,
      Duration lease, Duration feedRetention) {}

  /**
   * Credential-check settings.
   *
   * @param authnShare {@code IEM_CHECK_AUTHN_SHARE}: share of the org's {@code /api/v1/authn} rate
   *     limit (as Okta reports it in {@code X-Rate-Limit-*}) that credential checks may use, the rest
   *     being left to employees signing in; 0.01 to 1 (default 0.2)
   * @param leaseSeconds {@code IEM_CHECK_LEASE_SECONDS}: how long a replica holds a check it is deciding; a
   *     dead replica's checks are taken over after this; 30 to 3600 (default 300)
   * @param workers {@code IEM_CHECK_WORKERS}: waiting checks one replica decides at once; 1 to 256
   *     (default 16)
   * @param unconfirmedRetry {@code IEM_CHECK_UNCONFIRMED_RETRY_DAYS}: after how many days a password Okta
   *     rejected, without its System Log confirming that the credentials were wrong, may be tried again
   *     for a new leak; 1 to 3650 (default 30)
   * @param passwordRetention {@code IEM_CHECK_PASSWORD_RETENTION_DAYS}: how long a leaked password may
   *     wait, sealed, for its check to be decided before it is erased; 1 to 90 days (default 14)
   * @param feedRetention {@code IEM_FEED_RETENTION_DAYS}: how long ListCheckDecisions keeps a decision (as
   *     {@link Sync#feedRetention})
   */
  public record Checks(double authnShare, int workers, int leaseSeconds, Duration unconfirmedRetry,
      Duration passwordRetention, Duration feedRetention) {}

  /**
   * How long stored rows are kept (issue 15 part 7); the service removes older ones on its own.
   *
   * @param checks {@code IEM_RETENTION_CHECK_DAYS}: a decided check is deleted this long after its
   *     decision (an undecided one never is); 30 to 3650 (default 180)
   * @param attempts {@code IEM_RETENTION_ATTEMPT_DAYS}: an authn attempt is deleted this long after it
   *     was made, unless it is a failure that may still count against the lockout budget; 30 to 3650
   *     (default 180)
   * @param audit {@code IEM_RETENTION_AUDIT_DAYS}: an audit row is kept at least this long (its month is
   *     dropped once wholly older); 90 to 3650 (default 400)
   */
  public record Retention(Duration checks, Duration attempts, Duration audit) {

    /** The defaults, as {@link #fromEnv} reads an unset environment. */
    public static final Retention DEFAULTS = new Retention(Duration.ofDays(180), Duration.ofDays(180),
        Duration.ofDays(400));
  }

  /**
   * Outbound Okta settings.
   *
   * @param devPort {@code IEM_DEV_OKTA_PORT}: port of the Okta simulator dev mode starts (default 8089)
   * @param requestTimeout {@code IEM_OKTA_REQUEST_TIMEOUT_SECONDS}: longest one Okta HTTP exchange may take (default 30)
   * @param maxConcurrentPerOrg {@code IEM_OKTA_MAX_CONCURRENCY}: most requests in flight to one Okta org (default 10)
   * @param egressAddresses {@code IEM_EGRESS_ADDRESSES}: the addresses (IPs or CIDRs) our calls to Okta leave from,
   *     which TestIntegration looks for in the network zones Okta ThreatInsight excludes (default none: it cannot tell)
   */
  public record Okta(int devPort, Duration requestTimeout, int maxConcurrentPerOrg, List<IpBlock> egressAddresses) {}

  /** Postgres connection settings, by their libpq names. */
  public record Postgres(String host, int port, String database, String user, String password, int poolSize) {
    @Override
    public String toString() {
      return "Postgres[host=" + host + ", port=" + port + ", database=" + database + ", user=" + user
          + ", poolSize=" + poolSize + "]";
    }
  }

  /** Whether {@code IEM_DEV} asks for dev mode (an unreadable value is left to {@link #fromEnv} to report). */
  public static boolean devRequested(Map<String, String> env) {
    return new Parser(env).bool("IEM_DEV", false);
  }

  /** Parses the configuration from a map of environment variables. */
  public static AppConfig fromEnv(Map<String, String> env) {
    Parser p = new Parser(env);
    boolean dev = p.bool("IEM_DEV", false);
    // dev mode runs without caller auth: reachable from this machine only, unless asked otherwise
    String bindHost = p.string("IEM_BIND_HOST", dev ? "127.0.0.1" : "0.0.0.0");
    int grpcPort = p.port("IEM_GRPC_PORT", 50051);
    int httpPort = p.port("IEM_HTTP_PORT", 8080);
    Optional<Postgres> postgres = postgres(p, dev);
    boolean redisCluster = p.bool("IEM_REDIS_CLUSTER", false);
    Optional<String> redisUrl = p.optional("IEM_REDIS_URL").map(url -> redisUrls(p, url, redisCluster));
    if (!dev && redisUrl.isEmpty()) {
      p.problem("IEM_REDIS_URL is required (redis://host:port) unless IEM_DEV=true");
    }
    if (redisCluster && redisUrl.isEmpty()) {
      p.problem("IEM_REDIS_CLUSTER=true needs IEM_REDIS_URL: one or more of the cluster's nodes (redis://host:port,...)");
    }
    Optional<Path> signingKeyFile = p.optional("IEM_SIGNING_KEY_FILE").map(Path::of);
    if (!dev && signingKeyFile.isEmpty()) {
      p.problem("IEM_SIGNING_KEY_FILE is required (PEM or JWK set with the Okta client-assertion keys) unless IEM_DEV=true");
    }
    Optional<Path> passwordKeyFile = p.optional("IEM_PASSWORD_KEY_FILE").map(Path::of);
    if (!dev && passwordKeyFile.isEmpty()) {
      p.problem("IEM_PASSWORD_KEY_FILE is required (32-byte AES key, raw or base64, for passwords waiting for an attempt) unless IEM_DEV=true");
    }
    Path devDataDir = Path.of(p.string("IEM_DEV_DATA_DIR", ".dev-data"));
    Set<String> insecureHosts = p.list("IEM_OKTA_INSECURE_HOSTS");
    if (dev) {
      DevLimits.check(p, postgres, redisUrl.map(AppConfig::splitRedisUrls).orElse(List.of()));
    } else if (!insecureHosts.isEmpty()) {
      p.problem("IEM_OKTA_INSECURE_HOSTS is for dev mode only: it lets an Okta domain be plain http, loopback or"
          + " any port, so passwords could leave in clear and integrations could reach internal hosts");
    }
    URI publicBaseUrl = p.parse("IEM_PUBLIC_BASE_URL", "https://api.flare.io", AppConfig::baseUrl);
    Duration grace = Duration.ofSeconds(p.intIn("IEM_SHUTDOWN_GRACE_SECONDS", 25, 1, 3600));
    Okta okta = new Okta(p.port("IEM_DEV_OKTA_PORT", 8089),
        Duration.ofSeconds(p.intIn("IEM_OKTA_REQUEST_TIMEOUT_SECONDS", 30, 1, 300)),
        p.intIn("IEM_OKTA_MAX_CONCURRENCY", 10, 1, 75), egress(p));
    Duration feedRetention = Duration.ofDays(p.intIn("IEM_FEED_RETENTION_DAYS", 7, 1, 365));
    Sync sync = new Sync(p.doubleIn("IEM_SYNC_OKTA_SHARE", 0.8, 0.01, 1.0),
        p.intIn("IEM_SYNC_MAX_CONCURRENT_RUNS", 2, 1, 32),
        p.intIn("IEM_SYNC_BATCH_USERS", 1000, 200, 10_000),
        Duration.ofSeconds(p.intIn("IEM_SYNC_INCREMENTAL_OVERLAP_SECONDS", 300, 0, 86_400)),
        Duration.ofSeconds(p.intIn("IEM_SYNC_LEASE_SECONDS", 30, 3, 600)), feedRetention);
    Optional<CallerAuthConfig> callerAuth = CallerAuthConfig.parse(p, dev);
    Optional<GrpcTlsConfig> grpcTls = GrpcTlsConfig.parse(p);
    Checks checks = new Checks(p.doubleIn("IEM_CHECK_AUTHN_SHARE", 0.2, 0.01, 1.0),
        p.intIn("IEM_CHECK_WORKERS", 16, 1, 256), p.intIn("IEM_CHECK_LEASE_SECONDS", 300, 10, 3600),
        Duration.ofDays(p.intIn("IEM_CHECK_UNCONFIRMED_RETRY_DAYS", 30, 1, 3650)),
        Duration.ofDays(p.intIn("IEM_CHECK_PASSWORD_RETENTION_DAYS", 14, 1, 90)), feedRetention);
    if (checks.leaseSeconds() < okta.requestTimeout().toSeconds() + 10) {
      p.problem("IEM_CHECK_LEASE_SECONDS (" + checks.leaseSeconds() + ") must exceed IEM_OKTA_REQUEST_TIMEOUT_SECONDS ("
          + okta.requestTimeout().toSeconds() + ") by at least 10: a check's authn call and the storing of its answer"
          + " must fit in its lease");
    }
    Retention retention = retention(p);
    p.throwIfProblems();
    return new AppConfig(dev, bindHost, grpcPort, httpPort, postgres, redisUrl, redisCluster, signingKeyFile,
        passwordKeyFile, devDataDir, insecureHosts, publicBaseUrl, grace, okta, sync, callerAuth, grpcTls, checks, retention);
  }

  /** How long decided checks, attempts and audit rows are kept (IEM_RETENTION_*). */
  private static Retention retention(Parser p) {
    return new Retention(Duration.ofDays(p.intIn("IEM_RETENTION_CHECK_DAYS", 180, 30, 3650)),
        Duration.ofDays(p.intIn("IEM_RETENTION_ATTEMPT_DAYS", 180, 30, 3650)),
        Duration.ofDays(p.intIn("IEM_RETENTION_AUDIT_DAYS", 400, 90, 3650)));
  }

  public AppConfig withPostgres(Postgres pg) {
    return new AppConfig(dev, bindHost, grpcPort, httpPort, Optional.of(pg), redisUrl, redisCluster, signingKeyFile,
        passwordKeyFile, devDataDir, oktaInsecureHosts, publicBaseUrl, shutdownGrace, okta, sync, callerAuth, grpcTls, checks, retention);
  }

  public AppConfig withRedisUrl(String url) {
    return new AppConfig(dev, bindHost, grpcPort, httpPort, postgres, Optional.of(url), redisCluster, signingKeyFile,
        passwordKeyFile, devDataDir, oktaInsecureHosts, publicBaseUrl, shutdownGrace, okta, sync, callerAuth, grpcTls, checks, retention);
  }

  public AppConfig withPorts(int grpc, int http) {
    return new AppConfig(dev, bindHost, grpc, http, postgres, redisUrl, redisCluster, signingKeyFile,
        passwordKeyFile, devDataDir, oktaInsecureHosts, publicBaseUrl, shutdownGrace, okta, sync, callerAuth, grpcTls, checks, retention);
  }

  public AppConfig withOktaInsecureHosts(Set<String> hosts) {
    return new AppConfig(dev, bindHost, grpcPort, httpPort, postgres, redisUrl, redisCluster, signingKeyFile,
        passwordKeyFile, devDataDir, Set.copyOf(hosts), publicBaseUrl, shutdownGrace, okta, sync, callerAuth, grpcTls, checks, retention);
  }

  /** {@code IEM_EGRESS_ADDRESSES}: a comma list of IP addresses or CIDRs (ranges too). */
  private static List<IpBlock> egress(Parser p) {
    List<IpBlock> blocks = new ArrayList<>();
    for (String item : p.string("IEM_EGRESS_ADDRESSES", "").split(",")) {
      if (item.isBlank()) {
        continue;
      }
      try {
        blocks.add(IpBlock.parse(item));
      } catch (IllegalArgumentException e) {
        p.problem("IEM_EGRESS_ADDRESSES: " + e.getMessage());
      }
    }
    return List.copyOf(blocks);
  }

  private static Optional<Postgres> postgres(Parser p, boolean dev) {
    Optional<String> host = p.optional("PGHOST");
    if (host.isEmpty()) {
      if (!dev) {
        p.problem("PGHOST is required unless IEM_DEV=true");
      }
      return Optional.empty();
    }
    int port = p.port("PGPORT", 5432);
    String database = p.string("PGDATABASE", "postgres");
    String user = p.string("PGUSER", "postgres");
    String password = p.string("PGPASSWORD", "");
    int poolSize = p.intIn("IEM_PG_POOL_SIZE", 8, 1, 200);
    return Optional.of(new Postgres(host.get(), port, database, user, password, poolSize));
  }

  /**
   * {@code IEM_REDIS_URL}: one Redis, or with {@code IEM_REDIS_CLUSTER=true} a comma list of Redis
   * Cluster nodes to discover the cluster from (one is enough; more survive one being down).
   */
  private static String redisUrls(Parser p, String value, boolean cluster) {
    List<String> urls = splitRedisUrls(value);
    for (String url : urls) {
      String lower = url.toLowerCase(Locale.ROOT);
      if (!lower.startsWith("redis://") && !lower.startsWith("rediss://")) {
        p.problem("IEM_REDIS_URL must start with redis:// or rediss://");
      }
    }
    if (urls.size() > 1 && !cluster) {
      p.problem("IEM_REDIS_URL names " + urls.size() + " servers: a comma list is the nodes of a Redis Cluster,"
          + " set IEM_REDIS_CLUSTER=true (a single Redis is one URL)");
    }
    return String.join(",", urls);
  }

  private static List<String> splitRedisUrls(String value) {
    List<String> urls = new ArrayList<>();
    for (String item : value.split(",")) {
      if (!item.isBlank()) {
        urls.add(item.trim());
      }
    }
    return List.copyOf(urls);
  }

  /**
   * The Redis endpoints: the one server's URL, or the Redis Cluster nodes the client discovers the
   * cluster from ({@link #redisCluster()}); empty when none is configured.
   */
  public List<String> redisEndpoints() {
    return redisUrl.map(AppConfig::splitRedisUrls).orElse(List.of());
  }

  private static URI baseUrl(String value) {
    URI uri = URI.create(value);
    if (uri.getScheme() == null || uri.getHost() == null) {
      throw new IllegalArgumentException("must be an absolute URL such as https://api.flare.io");
    }
    return uri;
  }

  /** Reads variables and collects problems instead of failing on the first one. */
  static final class Parser {
    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    Parser(Map<String, String> env) {
      this.env = env;
    }

    Optional<String> optional(String name) {
      String value = env.get(name);
      return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    String string(String name, String fallback) {
      return optional(name).orElse(fallback);
    }

    boolean bool(String name, boolean fallback) {
      return optional(name).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
        case "true", "1", "yes" -> true;
        case "false", "0", "no" -> false;
        default -> {
          problem(name + " must be true or false, got '" + v + "'");
          yield fallback;
        }
      }).orElse(fallback);
    }

    int port(String name, int fallback) {
      return intIn(name, fallback, 0, 65535);
    }

    int intIn(String name, int fallback, int min, int max) {
      Optional<String> raw = optional(name);
      if (raw.isEmpty()) {
        return fallback;
      }
      try {
        int value = Integer.parseInt(raw.get());
        if (value < min || value > max) {
          problem(name + " must be between " + min + " and " + max + ", got " + value);
          return fallback;
        }
        return value;
      } catch (NumberFormatException e) {
        problem(name + " must be a whole number, got '" + raw.get() + "'");
        return fallback;
      }
    }

    double doubleIn(String name, double fallback, double min, double max) {
      Optional<String> raw = optional(name);
      if (raw.isEmpty()) {
        return fallback;
      }
      try {
        double value = Double.parseDouble(raw.get());
        if (!(value >= min && value <= max)) {
          problem(name + " must be between " + min + " and " + max + ", got " + raw.get());
          return fallback;
        }
        return value;
      } catch (NumberFormatException e) {
        problem(name + " must be a number, got '" + raw.get() + "'");
        return fallback;
      }
    }

    Set<String> list(String name) {
      Set<String> values = new LinkedHashSet<>();
      optional(name).ifPresent(v -> {
        for (String item : v.split(",")) {
          if (!item.isBlank()) {
            values.add(item.trim().toLowerCase(Locale.ROOT));
          }
        }
      });
      return Set.copyOf(values);
    }

    <T> T parse(String name, String fallback, Function<String, T> parser) {
      String raw = string(name, fallback);
      try {
        return parser.apply(raw);
      } catch (RuntimeException e) {
        problem(name + " " + e.getMessage());
        return parser.apply(fallback);
      }
    }

    void problem(String message) {
      problems.add(message);
    }

    void throwIfProblems() {
      if (!problems.isEmpty()) {
        throw new ConfigException(problems);
      }
    }
  }
}
