package io.flare.iem;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

  @Test
  void finds_the_metrics_of_an_expression_and_nothing_else() {
    assertThat(PromQl.metricNames("1 - histogram_quantile(0.1, sum by (le) (rate(a_bucket{namespace=\"$ns\","
        + "bucket=~\"authn|x\"}[5m]))) / on (pod) group_left (x) b_total offset 5m > bool 1e3 and c"))
        .containsExactly("a_bucket", "b_total", "c");
    assertThat(PromQl.metricNames("sum by (mode) (rate(x_sum{s=\"{}\"}[1h])) / sum without (pod) (x_count)"))
        .containsExactly("x_count", "x_sum");
    assertThat(PromQl.metricNames("label_values(iem_grpc_server_calls_seconds_count, namespace)"))
        .containsExactly("iem_grpc_server_calls_seconds_count");
  }
}
