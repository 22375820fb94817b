package io.flare.iem.bench;

import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimBucket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Okta simulator in a process of its own, for the benchmarks: many simulated orgs (one
 * {@link OktaSimulator} each, on a port of its own, all on one Vert.x instance), driven by a tiny
 * admin HTTP interface on loopback, so that neither its CPU nor its heap counts as the service's.
 * Started and driven by {@link OktaProcess}; the first line on stdout is {@code SIMPROCESS READY <port>}.
 *
 * <p>Users are generated from (seed, index) when asked for: ten million users cost no memory until
 * some are changed (overlays). Admin endpoints (query parameters; answers are JSON):
 * <ul>
 *   <li>{@code POST /orgs?count=&users=&seed=&asOf=<epoch ms>&mixed=&unlimited=&window=<s>}: adds
 *       {@code count} orgs (org {@code k} has seed {@code seed + k} and client id
 *       {@code 0oaBench<k, 14 digits>}); answers their index range and base URLs;</li>
 *   <li>{@code POST /orgs/<k>/jwks?url=}: where org k's app reads the service's public keys;
 *       {@code POST /orgs/<k>/saved-keys} (body: a JWKS): keys saved on the app in Okta;</li>
 *   <li>{@code POST /orgs/<k>/limit?bucket=&perWindow=}: an org's rate limit;</li>
 *   <li>{@code POST /change?from=&to=&every=}: in orgs {@code [from, to)}, changes the last name
 *       of every {@code every}-th generated user (index 0, every, 2 × every, ...), bumping its
 *       {@code lastUpdated}, as an admin's edit would; answers how many;</li>
 *   <li>{@code POST /log-lag?from=&to=&millis=}: how long the System Log of orgs {@code [from, to)}
 *       takes to show an event (the simulator's default: 1.5 s);</li>
 *   <li>{@code GET /counters?from=&to=}: per org, requests per endpoint and 429s served;</li>
 *   <li>{@code GET /orgs/<k>/windows?bucket=}: accepted requests per rate-limit window of org k's app;</li>
 *   <li>{@code GET /serve-times?endpoint=&reset=}: the simulator's own time per answer of one
 *       endpoint (microseconds, from the request's arrival to the end of its answer), each keyed
 *       by the {@code username} of its body when it has one (authn);</li>
 *   <li>{@code POST /exit}.</li>
 * </ul>
 */
public final class SimProcess {

  /**
   * Okta API scopes every org grants the benchmark's app: what the product asks an admin to grant
   * (users read and manage, policies read, and the System Log, which confirms what a 401 meant).
   */
  static final String[] SCOPES = {"okta.users.read", "okta.users.manage", "okta.policies.read", "okta.logs.read"};

  private final Vertx vertx = Vertx.vertx();
  private final List<OktaSimulator> orgs = new CopyOnWriteArrayList<>();
  private final Map<String, ConcurrentHashMap<String, Long>> serveTimes = new ConcurrentHashMap<>();
  private final AtomicLong unnamed = new AtomicLong();

  private SimProcess() {}

  public static void main(String[] args) throws Exception {
    CredentialCheckBench.quietLogs();
    SimProcess p = new SimProcess();
    var server = p.vertx.createHttpServer().requestHandler(p::handle).listen(0, "127.0.0.1")
        .await(30, java.util.concurrent.TimeUnit.SECONDS);
    System.out.println("SIMPROCESS READY " + server.actualPort());
    System.out.flush();
  }

  private void handle(HttpServerRequest req) {
    req.body().onComplete(ar -> {
      try {
        route(req, ar.succeeded() ? ar.result().toString() : "").onComplete(done -> {
          if (done.succeeded()) {
            req.response().putHeader("content-type", "application/json").end(done.result().encode());
          } else {
            req.response().setStatusCode(500).end(String.valueOf(done.cause()));
          }
        });
      } catch (RuntimeException e) {
        req.response().setStatusCode(400).end(String.valueOf(e));
      }
    });
  }

  private Future<JsonObject> route(HttpServerRequest req, String body) {
    String[] parts = req.path().split("/");
    String path = req.path();
    if (path.equals("/orgs")) {
      return addOrgs(req);
    }
    if (path.equals("/change")) {
      return Future.succeededFuture(change(integer(req, "from", 0), integer(req, "to", orgs.size()),
          integer(req, "every", 100)));
    }
    if (path.equals("/log-lag")) {
      for (int k = integer(req, "from", 0); k < integer(req, "to", orgs.size()); k++) {
        orgs.get(k).systemLog().lag(Duration.ofMillis(integer(req, "millis", 1500)));
      }
      return Future.succeededFuture(new JsonObject());
    }
    if (path.equals("/counters")) {
      return Future.succeededFuture(counters(integer(req, "from", 0), integer(req, "to", orgs.size())));
    }
    if (path.equals("/serve-times")) {
      String endpoint = req.getParam("endpoint", "POST /api/v1/authn");
      Map<String, Long> times = "true".equals(req.getParam("reset")) ? serveTimes.remove(endpoint)
          : serveTimes.get(endpoint);
      return Future.succeededFuture(new JsonObject().put("micros", new JsonObject(times == null ? Map.of()
          : new java.util.HashMap<>(times))));
    }
    if (path.equals("/exit")) {
      vertx.setTimer(50, id -> System.exit(0));
      return Future.succeededFuture(new JsonObject());
    }
    if (parts.length == 4 && parts[1].equals("orgs")) {
      OktaSimulator sim = orgs.get(Integer.parseInt(parts[2]));
      switch (parts[3]) {
        case "jwks" -> sim.app().jwksUrl(req.getParam("url"));
        case "saved-keys" -> {
          try {
            sim.app().savedKeys(com.nimbusds.jose.jwk.JWKSet.parse(body));
          } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("not a JWKS", e);
          }
        }
        case "limit" -> sim.limit(SimBucket.valueOf(req.getParam("bucket")), integer(req, "perWindow", 0));
        case "windows" -> {
          JsonObject out = new JsonObject();
          sim.counters().acceptedPerWindow(sim.app().clientId(), SimBucket.valueOf(req.getParam("bucket")))
              .forEach((start, n) -> out.put(Long.toString(start), n));
          return Future.succeededFuture(new JsonObject().put("windows", out));
        }
        default -> throw new IllegalArgumentException("unknown " + path);
      }
      return Future.succeededFuture(new JsonObject());
    }
    throw new IllegalArgumentException("unknown " + path);
  }

  private Future<JsonObject> addOrgs(HttpServerRequest req) {
    int count = integer(req, "count", 1);
    int users = integer(req, "users", 0);
    long seed = Long.parseLong(req.getParam("seed", "7"));
    Instant asOf = Instant.ofEpochMilli(Long.parseLong(req.getParam("asOf",
        Long.toString(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS).toEpochMilli()))));
    boolean mixed = !"false".equals(req.getParam("mixed"));
    boolean unlimited = !"false".equals(req.getParam("unlimited"));
    int window = integer(req, "window", 60);
    int first;
    List<Future<OktaSimulator>> started = new ArrayList<>();
    synchronized (orgs) {
      first = orgs.size();
      for (int k = first; k < first + count; k++) {
        started.add(OktaSimulator.start(vertx, new OktaSimulator.Options().users(users).seed(seed + k).asOf(asOf)
            .mixedStatuses(mixed).unlimited(unlimited).rateLimitWindow(Duration.ofSeconds(window))
            .scopes(SCOPES)
            .clientId(String.format(java.util.Locale.ROOT, "0oaBench%012d", k))));
      }
    }
    return Future.all(started).map(all -> {
      JsonArray urls = new JsonArray();
      for (int i = 0; i < count; i++) {
        OktaSimulator sim = all.resultAt(i);
        sim.counters().onServed(this::served);
        orgs.add(sim); // in index order: orgs are only added here, one batch at a time
        urls.add(new JsonObject().put("baseUrl", sim.baseUrl()).put("clientId", sim.app().clientId()));
      }
      return new JsonObject().put("first", first).put("orgs", urls);
    });
  }

  private void served(String endpoint, io.vertx.core.buffer.Buffer body, long nanos) {
    if (!endpoint.equals("POST /api/v1/authn")) {
      return;
    }
    String key;
    try {
      key = new JsonObject(body).getString("username", "#" + unnamed.incrementAndGet());
    } catch (RuntimeException e) {
      key = "#" + unnamed.incrementAndGet();
    }
    serveTimes.computeIfAbsent(endpoint, e -> new ConcurrentHashMap<>()).put(key, nanos / 1_000);
  }

  private JsonObject change(int from, int to, int every) {
    long changed = 0;
    for (int k = from; k < to; k++) {
      OktaSimulator sim = orgs.get(k);
      int n = sim.userCount();
      for (int i = 0; i < n; i += every) {
        String id = sim.userId(i);
        sim.updateProfile(id, null, "Changed" + i, null);
        changed++;
      }
    }
    return new JsonObject().put("changed", changed);
  }

  private JsonObject counters(int from, int to) {
    JsonArray out = new JsonArray();
    for (int k = from; k < to; k++) {
      OktaSimulator sim = orgs.get(k);
      JsonObject requests = new JsonObject();
      sim.counters().requests().forEach(requests::put);
      out.add(new JsonObject().put("requests", requests).put("served429", sim.counters().served429()));
    }
    return new JsonObject().put("orgs", out);
  }

  private static int integer(HttpServerRequest req, String name, int otherwise) {
    String v = req.getParam(name);
    return v == null ? otherwise : Integer.parseInt(v);
  }
}
