package io.flare.iem.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class StrictJsonTest {

  static JsonObject json(String s) {
    return new JsonObject(s);
  }

  @Test
  void a_null_answers_only_a_null_and_every_field_counts_both_ways() {
    StrictJson m = StrictJson.shapes();
    assertThat(m.differences(json("{\"a\":null}"), json("{\"a\":\"x\"}"))).containsExactly("$.a: expected null but was \"x\"");
    assertThat(m.differences(json("{\"a\":\"x\"}"), json("{\"a\":null}"))).hasSize(1);
    assertThat(m.differences(json("{\"a\":1}"), json("{\"a\":1,\"b\":2}"))).containsExactly("$.b: not in the fixture, value 2");
    assertThat(m.differences(json("{\"a\":1,\"b\":2}"), json("{\"a\":1}"))).containsExactly("$.b: missing");
    assertThat(StrictJson.shapes().extra("$.b", "why").differences(json("{\"a\":1}"), json("{\"a\":1,\"b\":2}"))).isEmpty();
    assertThat(m.differences(json("{\"a\":1}"), json("{\"a\":1.5}"))).singleElement().asString().contains("integer");
  }

  @Test
  void arrays_are_compared_element_by_element() {
    StrictJson m = StrictJson.values();
    assertThat(m.differences(json("{\"a\":[1,2]}"), json("{\"a\":[1,3]}"))).containsExactly("$.a[1]: expected 2 but was 3");
    assertThat(m.differences(json("{\"a\":[1,2]}"), json("{\"a\":[1]}"))).containsExactly("$.a: expected 2 element(s) but was 1");
    StrictJson any = StrictJson.values().anyLength("$.a", "state");
    assertThat(any.differences(json("{\"a\":[{\"x\":1},{\"y\":2}]}"), json("{\"a\":[{\"y\":2},{\"y\":2},{\"x\":1}]}"))).isEmpty();
    assertThat(any.differences(json("{\"a\":[{\"x\":1}]}"), json("{\"a\":[{\"x\":1},{\"x\":2}]}")))
        .singleElement().asString().startsWith("$.a[1]: matches no element");
    assertThat(any.differences(json("{\"a\":[1]}"), json("{\"a\":[]}"))).hasSize(1);
  }

  @Test
  void values_formats_and_paths() {
    StrictJson m = StrictJson.values().format("$.list[*].id", "00u\\w{17}").instant("**.created")
        .anyValue("$.name", "state");
    JsonObject expected = json("{\"name\":\"a\",\"list\":[{\"id\":\"00uAAAAAAAAAAAAAAAAA\",\"created\":\"2020-01-01T00:00:00.000Z\"}]}");
    assertThat(m.differences(expected,
        json("{\"name\":\"b\",\"list\":[{\"id\":\"00uBBBBBBBBBBBBBBBBB\",\"created\":\"2026-12-02T10:00:00.000Z\"}]}"))).isEmpty();
    assertThat(m.differences(expected,
        json("{\"name\":\"b\",\"list\":[{\"id\":\"00uB\",\"created\":\"2026-12-02T10:00:00.123Z\"}]}"))).hasSize(2);
    assertThat(StrictJson.values().format("$.id", "x+").differences(json("{\"id\":\"y\"}"), json("{\"id\":\"x\"}")))
        .singleElement().asString().contains("rejects the fixture's own value");
    assertThat(StrictJson.shapes().fixed("$.status").differences(json("{\"status\":\"A\",\"n\":\"p\"}"),
        json("{\"status\":\"B\",\"n\":\"q\"}"))).containsExactly("$.status: expected \"A\" but was \"B\"");
  }
}
