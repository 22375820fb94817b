package io.flare.iem.dev;

import io.flare.iem.config.AppConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real PostgreSQL server unpacked from a Maven artifact (zonky), for dev mode and tests. Its data
 * directory survives restarts unless asked otherwise, so dev-mode data does too. Blocking: use it
 * before Vert.x starts or from a worker.
 */
public final class EmbeddedPostgres implements AutoCloseable {

  private final Path dataDir;
  private io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;

  private EmbeddedPostgres(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** Starts a server keeping its data in {@code dataDir}; port 0 picks a free one. */
  public static EmbeddedPostgres start(Path dataDir, int port, boolean clean) {
    EmbeddedPostgres pg = new EmbeddedPostgres(dataDir);
    pg.startServer(port, clean);
    return pg;
  }

  private void startServer(int port, boolean clean) {
    try {
      Files.createDirectories(dataDir.getParent() == null ? Path.of(".") : dataDir.getParent());
      if (clean) {
        deleteRecursively(dataDir);
      }
      var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
          .setDataDirectory(dataDir)
          // zonky would delete a "clean" data directory when the server stops, losing it across
          // restarts: a fresh directory is made above instead, and the data always survives a stop
          .setCleanDataDirectory(false)
          .setServerConfig("max_connections", "300")
          .setServerConfig("fsync", "off")
          .setServerConfig("synchronous_commit", "off")
          .setServerConfig("full_page_writes", "off")
          .setServerConfig("shared_buffers", "256MB")
          .setServerConfig("max_wal_size", "2GB")
          .setServerConfig("checkpoint_timeout", "30min");
      if (Boolean.getBoolean("bench.pgStatements") || Boolean.getBoolean("bench.profile")) { // the benchmarks' --profile: where the server's time goes
        builder.setServerConfig("shared_preload_libraries", "pg_stat_statements")
            .setServerConfig("pg_stat_statements.track", "all");
      }
      if (port > 0) {
        builder.setPort(port);
      }
      server = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start embedded PostgreSQL in " + dataDir, e);
    }
  }

  /** Stops the server, keeping its data, and starts it again on the same port. */
  public void restart() {
    int port = port();
    close();
    startServer(port, false);
  }

  /** Stops the server as an outage would; {@link #startAgain()} brings it back with its data. */
  public void stop() {
    stoppedPort = port();
    close();
  }

  /** Starts a server stopped by {@link #stop()} again, on its port, with its data. */
  public void startAgain() {
    startServer(stoppedPort, false);
  }

  private int stoppedPort;

  public int port() {
    return server.getPort();
  }

  /** The running postmaster (its backends are its children), from the first line of its postmaster.pid. */
  public ProcessHandle process() {
    try {
      long pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
      return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("postmaster " + pid + " is gone"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public AppConfig.Postgres connection(int poolSize) {
    return new AppConfig.Postgres("127.0.0.1", port(), "postgres", "postgres", "postgres", poolSize);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  @Override
  public void close() {
    if (server != null) {
      try {
        server.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
