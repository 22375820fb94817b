package io.flare.iem.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's handle on {@link SimProcess}: starts it in a child JVM (the benchmark's own
 * classpath, a heap of its own) and drives its admin interface. The service under test stays in
 * the benchmark's JVM, whose heap is what the tables report.
 */
final class OktaProcess implements AutoCloseable {

  /** One simulated org: its URL (the "Okta domain") and its API Services app. */
  record Org(int index, String baseUrl, String clientId) {}

  private final Process process;
  private final String admin;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Org> orgs = new ArrayList<>();

  private OktaProcess(Process process, int port) {
    this.process = process;
    this.admin = "http://127.0.0.1:" + port;
  }

  /** Starts the simulator process with {@code -Xmx<heapMb>m}; its stderr goes to {@code log}. */
  static OktaProcess start(int heapMb, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heapMb + "m", "-XX:+UseParallelGC",
        "-cp", classpath(), SimProcess.class.getName()));
    Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (line == null || !line.startsWith("SIMPROCESS READY ")) {
      p.destroyForcibly();
      throw new IllegalStateException("the simulator process did not start (" + line + "); see " + log);
    }
    Thread drain = new Thread(() -> {
      try {
        while (out.readLine() != null) {
          // the child prints nothing after its ready line; keep its pipe from filling anyway
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "oktasim-stdout");
    drain.setDaemon(true);
    drain.start();
    return new OktaProcess(p, Integer.parseInt(line.substring("SIMPROCESS READY ".length()).trim()));
  }

  /**
   * The benchmark's test classpath: under {@code exec:java} it is the context class loader's URLs
   * (the JVM's own {@code java.class.path} is Maven's launcher), otherwise {@code java.class.path}.
   */
  static String classpath() {
    Set<String> entries = new LinkedHashSet<>();
    for (ClassLoader l = Thread.currentThread().getContextClassLoader(); l != null; l = l.getParent()) {
      if (l instanceof URLClassLoader u) {
        for (URL url : u.getURLs()) {
          try {
            entries.add(new File(url.toURI()).getPath());
          } catch (Exception e) {
            entries.add(url.getPath());
          }
        }
      }
    }
    if (entries.isEmpty()) {
      entries.add(System.getProperty("java.class.path"));
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Adds {@code count} orgs of {@code users} generated users each (org k seeded {@code seed + k}),
   * with effectively no rate limits when {@code unlimited}, windows of {@code windowSeconds}.
   */
  synchronized List<Org> addOrgs(int count, int users, long seed, Instant asOf, boolean mixedStatuses,
      boolean unlimited, int windowSeconds) {
    JsonObject r = call("POST", "/orgs?count=" + count + "&users=" + users + "&seed=" + seed + "&asOf="
        + asOf.toEpochMilli() + "&mixed=" + mixedStatuses + "&unlimited=" + unlimited + "&window=" + windowSeconds,
        null);
    int first = r.getInteger("first");
    JsonArray list = r.getJsonArray("orgs");
    List<Org> added = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonObject o = list.getJsonObject(i);
      added.add(new Org(first + i, o.getString("baseUrl"), o.getString("clientId")));
    }
    orgs.addAll(added);
    return added;
  }

  /** Every org added so far, in index order. */
  synchronized List<Org> orgs() {
    return List.copyOf(orgs);
  }

  void jwksUrl(Org org, String url) {
    call("POST", "/orgs/" + org.index() + "/jwks?url=" + java.net.URLEncoder.encode(url, StandardCharsets.UTF_8),
        null);
  }

  void savedKeys(Org org, String jwks) {
    call("POST", "/orgs/" + org.index() + "/saved-keys", jwks);
  }

  void limit(Org org, String bucket, int perWindow) {
    call("POST", "/orgs/" + org.index() + "/limit?bucket=" + bucket + "&perWindow=" + perWindow, null);
  }

  /** How long the System Log of orgs {@code [from, to)} takes to show an event. */
  void systemLogLag(int from, int to, long millis) {
    call("POST", "/log-lag?from=" + from + "&to=" + to + "&millis=" + millis, null);
  }

  /** Changes every {@code every}-th user of orgs {@code [from, to)}; returns how many. */
  long change(int from, int to, int every) {
    return call("POST", "/change?from=" + from + "&to=" + to + "&every=" + every, null).getLong("changed");
  }

  /** Per org of {@code [from, to)}: requests per endpoint. */
  List<Map<String, Long>> requests(int from, int to) {
    JsonArray list = call("GET", "/counters?from=" + from + "&to=" + to, null).getJsonArray("orgs");
    List<Map<String, Long>> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Map<String, Long> m = new TreeMap<>();
      list.getJsonObject(i).getJsonObject("requests").forEach(e -> m.put(e.getKey(), ((Number) e.getValue())
          .longValue()));
      out.add(m);
    }
    return out;
  }

  /** 429s served by orgs {@code [from, to)}. */
  long served429(int from, int to) {
    JsonArray list = call("GET", "/counters?from=" + from + "&to=" + to, null).getJsonArray("orgs");
    long sum = 0;
    for (int i = 0; i < list.size(); i++) {
      sum += list.getJsonObject(i).getLong("served429");
    }
    return sum;
  }

  /** Accepted requests per rate-limit window start (epoch ms) of org's app in {@code bucket}. */
  Map<Long, Integer> acceptedPerWindow(Org org, String bucket) {
    Map<Long, Integer> out = new TreeMap<>();
    call("GET", "/orgs/" + org.index() + "/windows?bucket=" + bucket, null).getJsonObject("windows")
        .forEach(e -> out.put(Long.parseLong(e.getKey()), ((Number) e.getValue()).intValue()));
    return out;
  }

  /** The simulator's own time (µs) per authn answer since the last reset, by username; resets. */
  Map<String, Long> authnServeMicros() {
    Map<String, Long> out = new HashMap<>();
    call("GET", "/serve-times?reset=true&endpoint=" + java.net.URLEncoder.encode("POST /api/v1/authn",
        StandardCharsets.UTF_8), null).getJsonObject("micros")
        .forEach(e -> out.put(e.getKey(), ((Number) e.getValue()).longValue()));
    return out;
  }

  /** The simulator process's CPU time so far, if the OS tells (else -1). */
  Duration cpu() {
    return process.info().totalCpuDuration().orElse(Duration.ofNanos(-1));
  }

  private JsonObject call(String method, String pathAndQuery, String body) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(admin + pathAndQuery)).timeout(Duration.ofMinutes(5));
      b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("simulator admin " + method + " " + pathAndQuery + ": " + r.statusCode() + " "
            + r.body());
      }
      return new JsonObject(r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      call("POST", "/exit", null);
    } catch (RuntimeException ignored) {
      // it may be gone already
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
