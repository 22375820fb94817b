package io.flare.iem.oktasim;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.Usage;
import io.flare.iem.okta.UserPages;
import io.flare.iem.okta.UserQuery;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How fast a million-user simulated org serves pages to the Okta client (a floor, not a benchmark:
 * the printed figure is the measurement). {@code -Dokta.sim.users=1000000} lists the whole org.
 */
class SimulatorThroughputTest {

  private static final Logger LOG = LoggerFactory.getLogger(SimulatorThroughputTest.class);
  static Vertx vertx;
  static OktaSimulator sim;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(1_000_000).unlimited(true));
  }

  @AfterAll
  static void stop() {
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  @Test
  void the_client_pulls_pages_of_a_million_user_org_fast() {
    int users = Integer.getInteger("okta.sim.users", 200_000);
    OktaClient okta = OktaSims.client(vertx);
    OktaOrg org = okta.org(OktaSims.app(sim), Usage.named("bench"));
    UserPages pages = org.listUsers(UserQuery.allIncludingDeprovisioned());
    Await.result(pages.next()); // token and warm-up
    long start = System.nanoTime();
    int seen = 0;
    int count = 0;
    while (pages.hasNext() && seen < users) {
      seen += Await.result(pages.next()).users().size();
      count++;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double pagesPerSecond = count / seconds;
    LOG.info("listed {} users in {} pages in {} s: {} pages/s, {} users/s", seen, count, String.format("%.2f", seconds),
        String.format("%.0f", pagesPerSecond), String.format("%.0f", seen / seconds));
    System.out.printf("THROUGHPUT %d users, %d pages, %.2f s, %.0f pages/s%n", seen, count, seconds, pagesPerSecond);
    assertThat(pagesPerSecond).isGreaterThan(40);
  }
}
