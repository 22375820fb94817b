package io.flare.iem.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.flare.iem.testing.EmbeddedRedisCluster;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code /readyz} on a Redis Cluster: ready while every slot is served; not ready, naming Redis,
 * while one slot has no master (the cluster's state is {@code fail}: some tenants' counters cannot
 * be used, though every node still answers PING); ready again once the slot is served. The cluster
 * is this test's own, since it breaks it.
 */
class RedisClusterReadinessTest {

  static final HttpClient http = HttpClient.newHttpClient();

  @Test
  void readyz_follows_the_cluster_state() throws Exception {
    try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.start(
            Path.of("target", "test-servers", "readiness-cluster-" + UUID.randomUUID()));
        RunningService service = RunningService.start(TestServers.config(TestServers.newDatabase(),
            Map.of("IEM_REDIS_URL", cluster.urls(), "IEM_REDIS_CLUSTER", "true")))) {
      assertThat(readyz(service).statusCode()).isEqualTo(200);
      assertThat(readyz(service).body()).contains("\"ready\":true", "\"redis\":true");

      String slot = Integer.toString(cluster.nodes().get(1).firstSlot());
      for (EmbeddedRedisCluster.Node node : cluster.nodes()) {
        node.call("CLUSTER", "DELSLOTS", slot); // unassigned everywhere: the cluster state turns fail
      }
      Await.until(() -> cluster.nodes().stream().allMatch(n -> EmbeddedRedisCluster.info(n).contains("cluster_state:fail")),
          Duration.ofSeconds(30), "every node reports cluster_state:fail");
      Await.until(() -> readyz(service).statusCode() == 503, Duration.ofSeconds(30), "/readyz answers 503");
      assertThat(readyz(service).body()).contains("\"ready\":false", "\"redis\":false", "\"postgres\":true");

      cluster.nodes().get(1).call("CLUSTER", "ADDSLOTS", slot);
      cluster.awaitOk();
      Await.until(() -> readyz(service).statusCode() == 200, Duration.ofSeconds(30), "/readyz answers 200 again");
      assertThat(readyz(service).body()).contains("\"ready\":true", "\"redis\":true");
    }
  }

  private static HttpResponse<String> readyz(RunningService service) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(service.httpBase() + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
