package io.flare.iem.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import redis.embedded.RedisServer;

/**
 * A real Redis 7 server from a Maven artifact, for dev mode and tests. Tests restart it with or
 * without its data to prove the service survives both.
 */
public final class EmbeddedRedis implements AutoCloseable {

  private final int port;
  private final Path dir;
  private RedisServer server;

  private EmbeddedRedis(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  /** Starts a server on a free port (port 0) or the given one, keeping snapshots in {@code dir}. */
  public static EmbeddedRedis start(int port, Path dir) {
    EmbeddedRedis redis = new EmbeddedRedis(port > 0 ? port : freePort(), dir);
    redis.startServer();
    return redis;
  }

  private void startServer() {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server = RedisServer.builder()
        .bind("127.0.0.1")
        .port(port)
        .setting("dir " + dir.toAbsolutePath())
        .setting("dbfilename dump.rdb")
        .setting("save \"\"")
        .setting("appendonly no")
        .build();
    server.start();
  }

  /** Restarts the server; with {@code keepData} it saves a snapshot first and loads it again. */
  public void restart(boolean keepData) {
    stop(keepData);
    startServer();
  }

  /**
   * Stops the server. With {@code keepData} a snapshot is written first (a restart with
   * persistence); without it the snapshot file is removed (a restart that lost its data).
   */
  public void stop(boolean keepData) {
    try {
      if (keepData) {
        redisCli("SAVE");
      } else {
        Files.deleteIfExists(dir.resolve("dump.rdb"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.stop();
  }

  public void start() {
    startServer();
  }

  public int port() {
    return port;
  }

  /** The running redis-server process (the library keeps it in a private field of its base class). */
  public ProcessHandle process() {
    try {
      var field = server.getClass().getSuperclass().getDeclaredField("redisProcess");
      field.setAccessible(true);
      return ((Process) field.get(server)).toHandle();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("embedded-redis no longer keeps its process where expected", e);
    }
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  private void redisCli(String command) throws IOException {
    try (var socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      var out = socket.getOutputStream();
      out.write(("*1\r\n$" + command.length() + "\r\n" + command + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      int first = socket.getInputStream().read();
      if (first != '+') {
        throw new IOException("redis " + command + " failed");
      }
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (server != null && server.isActive()) {
      server.stop();
    }
  }
}
