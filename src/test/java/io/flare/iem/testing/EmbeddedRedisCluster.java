package io.flare.iem.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import redis.embedded.RedisServer;

/**
 * A Redis Cluster of three masters and no replicas: three redis-server processes in cluster mode,
 * from the same Maven artifact as {@link io.flare.iem.dev.EmbeddedRedis} (Redis 7.0). The test
 * assigns the slots itself, a third of the 16,384 to each master ({@code CLUSTER ADDSLOTSRANGE}),
 * introduces the nodes to each other ({@code CLUSTER MEET}), and waits until every node reports
 * {@code cluster_state:ok} and knows the other two, which it asserts.
 */
public final class EmbeddedRedisCluster implements AutoCloseable {

  /** Redis Cluster's hash slots. */
  public static final int SLOTS = 16_384;

  private final List<Node> nodes;

  /** One master: its client port, its cluster bus port and its first and last slot. */
  public record Node(RedisServer server, int port, int busPort, int firstSlot, int lastSlot) {
    public String url() {
      return "redis://127.0.0.1:" + port;
    }

    /** Sends one command to this node alone (no redirection) and returns its reply. */
    public Object call(String... args) {
      return Resp.call(port, args);
    }
  }

  private EmbeddedRedisCluster(List<Node> nodes) {
    this.nodes = nodes;
  }

  /** Starts three masters under {@code dir}, assigns the slots, joins them and waits until the cluster is ok. */
  public static EmbeddedRedisCluster start(Path dir) {
    List<Node> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        int port = freePort();
        int busPort = freePort();
        Path nodeDir = createDirectories(dir.resolve("node-" + i));
        RedisServer server = RedisServer.builder()
            .bind("127.0.0.1")
            .port(port)
            .setting("dir " + nodeDir.toAbsolutePath())
            .setting("cluster-enabled yes")
            .setting("cluster-config-file nodes.conf")
            .setting("cluster-port " + busPort)
            .setting("cluster-node-timeout 5000")
            .setting("save \"\"")
            .setting("appendonly no")
            .build();
        server.start();
        int first = i * SLOTS / 3;
        int last = (i + 1) * SLOTS / 3 - 1;
        nodes.add(new Node(server, port, busPort, first, last));
      }
      EmbeddedRedisCluster cluster = new EmbeddedRedisCluster(List.copyOf(nodes));
      cluster.form();
      return cluster;
    } catch (RuntimeException | Error e) {
      nodes.forEach(n -> n.server().stop());
      throw e;
    }
  }

  private static Path createDirectories(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void form() {
    for (Node node : nodes) {
      assertThat(node.call("CLUSTER", "ADDSLOTSRANGE", Integer.toString(node.firstSlot()),
          Integer.toString(node.lastSlot()))).isEqualTo("OK");
    }
    Node first = nodes.get(0);
    for (Node other : nodes.subList(1, nodes.size())) {
      assertThat(first.call("CLUSTER", "MEET", "127.0.0.1", Integer.toString(other.port()),
          Integer.toString(other.busPort()))).isEqualTo("OK");
    }
    awaitOk();
  }

  /** Waits until every node says the cluster is ok (every slot served) and knows all three masters. */
  public void awaitOk() {
    Await.until(() -> nodes.stream().allMatch(n -> info(n).contains("cluster_state:ok")
        && info(n).contains("cluster_known_nodes:" + nodes.size())), Duration.ofSeconds(30),
        "every node of the Redis Cluster reports cluster_state:ok and knows the three masters");
    for (Node node : nodes) {
      assertThat(info(node)).contains("cluster_state:ok", "cluster_slots_assigned:" + SLOTS,
          "cluster_known_nodes:3", "cluster_size:3");
    }
  }

  /** {@code CLUSTER INFO} of one node. */
  public static String info(Node node) {
    return String.valueOf(node.call("CLUSTER", "INFO"));
  }

  public List<Node> nodes() {
    return nodes;
  }

  /** The nodes' URLs, comma separated: the value of {@code IEM_REDIS_URL} with {@code IEM_REDIS_CLUSTER=true}. */
  public String urls() {
    return nodes.stream().map(Node::url).collect(Collectors.joining(","));
  }

  /** The hash slot of {@code key}, as the cluster computes it ({@code CLUSTER KEYSLOT}). */
  public int slot(String key) {
    return ((Long) nodes.get(0).call("CLUSTER", "KEYSLOT", key)).intValue();
  }

  /** The master serving {@code slot}. */
  public Node owner(int slot) {
    return nodes.stream().filter(n -> slot >= n.firstSlot() && slot <= n.lastSlot()).findFirst().orElseThrow();
  }

  /** Reads {@code key} on the master of its slot. */
  public Object get(String key) {
    return owner(slot(key)).call("GET", key);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    for (Node node : nodes) {
      if (node.server().isActive()) {
        node.server().stop();
      }
    }
  }
}
