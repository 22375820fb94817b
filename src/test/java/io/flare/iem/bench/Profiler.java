package io.flare.iem.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code --profile}: a Java Flight Recorder recording (the JDK's {@code profile} settings: a CPU
 * sample of every running Java thread every 10 ms) of this JVM around each measured phase,
 * written to {@code target/bench-profiles/<phase>.jfr} and summarised: where the samples' top frame
 * was, by method and by package, and the share of samples whose stack passes through the
 * service's own code ({@code io.flare.iem}, benchmark classes excluded). The benchmark's clients
 * run in the same JVM and are sampled too; the simulator process is not.
 */
final class Profiler {

  static final Path DIR = Path.of("target", "bench-profiles");
  private static volatile boolean enabled = Boolean.getBoolean("bench.profile");
  private static final List<String> SUMMARIES = new ArrayList<>();

  private Profiler() {}

  static void enable() {
    enabled = true;
    // Postgres servers started from now on load pg_stat_statements (EmbeddedPostgres reads it)
    System.setProperty(PG_STATEMENTS, "true");
  }

  /** The system property that makes the embedded Postgres load {@code pg_stat_statements}. */
  static final String PG_STATEMENTS = "bench.pgStatements";

  static boolean enabled() {
    return enabled;
  }

  /** The summaries of every phase profiled so far, one line each. */
  static synchronized List<String> summaries() {
    return List.copyOf(SUMMARIES);
  }

  /** Runs {@code body}, recorded when profiling is on. */
  static <T> T around(String phase, Callable<T> body) throws Exception {
    if (!enabled) {
      return body.call();
    }
    Files.createDirectories(DIR);
    Path file = DIR.resolve(phase.replaceAll("[^A-Za-z0-9_.-]", "_") + ".jfr");
    try (Recording r = new Recording(Configuration.getConfiguration("profile"))) {
      r.setToDisk(true);
      r.start();
      try {
        return body.call();
      } finally {
        r.stop();
        r.dump(file);
        String summary = summarise(phase, file);
        System.out.println("[profile] " + summary);
        synchronized (Profiler.class) {
          SUMMARIES.add(summary);
        }
      }
    }
  }

  /**
   * Before a phase, when profiling: forgets the statements {@code pool}'s server has seen so far
   * (the JFR recording sees only this JVM; most of a sync's CPU is the Postgres server's).
   */
  static void resetStatements(io.vertx.sqlclient.Pool pool) throws Exception {
    if (!enabled) {
      return;
    }
    pool.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").execute()
        .compose(x -> pool.query("SELECT pg_stat_statements_reset()").execute())
        .await(60, java.util.concurrent.TimeUnit.SECONDS);
  }

  /**
   * After a phase, when profiling: the server's execution time by statement (nested ones, such as
   * triggers and foreign-key checks, counted apart: their time is also in the statement that fired
   * them), summarised like the JVM's samples, per {@code unit} rows of the phase.
   */
  static void statements(io.vertx.sqlclient.Pool pool, String phase, long units, String unit) throws Exception {
    if (!enabled) {
      return;
    }
    List<String> top = new ArrayList<>();
    for (io.vertx.sqlclient.Row r : pool.query("SELECT total_exec_time, calls, left(regexp_replace(query, '\\s+', ' ',"
        + " 'g'), 70) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 6").execute()
        .await(60, java.util.concurrent.TimeUnit.SECONDS)) {
      top.add(String.format(Locale.ROOT, "%.1f s (%.1f us/%s, %,d calls) %s", r.getDouble(0) / 1000,
          r.getDouble(0) * 1000 / Math.max(1, units), unit, r.getLong(1), r.getString(2)));
    }
    String summary = phase + " in Postgres, by statement: " + String.join("; ", top);
    System.out.println("[profile] " + summary);
    synchronized (Profiler.class) {
      SUMMARIES.add(summary);
    }
  }

  /** Top frames and packages of the CPU samples in {@code file}. */
  static String summarise(String phase, Path file) throws java.io.IOException {
    Map<String, Integer> methods = new HashMap<>();
    Map<String, Integer> packages = new HashMap<>();
    int samples = 0;
    int ours = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null
          || e.getStackTrace().getFrames().isEmpty()) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = e.getStackTrace().getFrames();
      RecordedFrame top = frames.get(0);
      String type = top.getMethod().getType().getName();
      methods.merge(simple(type) + "." + top.getMethod().getName(), 1, Integer::sum);
      packages.merge(pkg(type), 1, Integer::sum);
      for (RecordedFrame f : frames) {
        String t = f.getMethod().getType().getName();
        if (t.startsWith("io.flare.iem.") && !t.startsWith("io.flare.iem.bench.")
            && !t.startsWith("io.flare.iem.oktasim.") && !t.startsWith("io.flare.iem.v1.")) {
          ours++;
          break;
        }
      }
    }
    return String.format(Locale.ROOT, "%s: %d CPU samples (%s); stacks through io.flare.iem %.0f %%; top packages %s;"
        + " top frames %s", phase, samples, file, samples == 0 ? 0.0 : 100.0 * ours / samples,
        top(packages, samples, 6), top(methods, samples, 6));
  }

  private static String top(Map<String, Integer> counts, int total, int n) {
    List<String> out = new ArrayList<>();
    counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n)
        .forEach(e -> out.add(String.format(Locale.ROOT, "%s %.0f%%", e.getKey(), 100.0 * e.getValue() / total)));
    return String.join(", ", out);
  }

  private static String pkg(String type) {
    int dot = type.lastIndexOf('.');
    String p = dot < 0 ? "" : type.substring(0, dot);
    String[] parts = p.split("\\.");
    return String.join(".", java.util.Arrays.copyOf(parts, Math.min(parts.length, 4)));
  }

  private static String simple(String type) {
    int dot = type.lastIndexOf('.');
    return dot < 0 ? type : type.substring(dot + 1);
  }
}
