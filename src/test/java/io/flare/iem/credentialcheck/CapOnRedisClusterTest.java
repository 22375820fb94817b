package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.EmbeddedRedisCluster;
import io.flare.iem.testing.Resp;
import io.flare.iem.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * {@link CapAcrossReplicasTest}'s headline promise on a Redis Cluster: three instances configured
 * with {@code IEM_REDIS_CLUSTER=true} and the three masters of an embedded cluster as {@code
 * IEM_REDIS_URL}, 1,000 concurrent checks of one identity, exactly the daily cap (2) of authn calls.
 * The day's counter is then found on the master that serves its slot (and not on the standalone
 * Redis the other tests share), so the checks did run on the cluster.
 */
class CapOnRedisClusterTest {

  @Test
  void a_thousand_concurrent_checks_on_three_instances_sharing_a_redis_cluster_make_exactly_the_daily_cap()
      throws Exception {
    EmbeddedRedisCluster cluster = TestServers.redisCluster();
    CheckHarness.Setup setup = CapAcrossReplicasTest.headline();
    TestServers.redisClusterEnv().forEach(setup::env);
    try (CheckHarness h = CheckHarness.start(setup)) {
      HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(h.service().httpBase() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(ready.body()).contains("\"redis\":true");
      CheckHarness.User u = h.user("target");

      CapAcrossReplicasTest.aThousandConcurrentChecksMakeExactlyTheDailyCap(h, u);

      String counter = DailyCap.counterKey(h.tenant, u.identityId(), LocalDate.ofInstant(h.clock.instant(),
          ZoneOffset.UTC));
      assertThat(cluster.get(counter)).as("%s on the master of slot %d", counter, cluster.slot(counter))
          .isEqualTo("2");
      assertThat(Resp.call(TestServers.redis().port(), "EXISTS", counter)).as("on the standalone Redis")
          .isEqualTo(0L);
    }
  }
}
