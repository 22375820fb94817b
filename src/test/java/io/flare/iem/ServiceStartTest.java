package io.flare.iem;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ServiceStartTest {

  static RunningService service;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    service = RunningService.start();
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void health_is_serving_for_liveness_and_readiness() {
    var health = HealthGrpc.newBlockingStub(service.channel);
    assertThat(health.check(HealthCheckRequest.newBuilder().build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.newBuilder().setService("readiness").build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.newBuilder().setService("flare.iem.v1.CredentialCheckService").build())
        .getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void reflection_lists_the_three_services() throws Exception {
    List<String> names = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    var stub = ServerReflectionGrpc.newStub(service.channel);
    StreamObserver<ServerReflectionRequest> requests = stub.serverReflectionInfo(new StreamObserver<>() {
      @Override
      public void onNext(ServerReflectionResponse value) {
        value.getListServicesResponse().getServiceList().forEach(s -> names.add(s.getName()));
      }

      @Override
      public void onError(Throwable t) {
        done.countDown();
      }

      @Override
      public void onCompleted() {
        done.countDown();
      }
    });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(names).contains("flare.iem.v1.IntegrationConfigService", "flare.iem.v1.IdentitySyncService",
        "flare.iem.v1.CredentialCheckService", "grpc.health.v1.Health");
  }

  @Test
  void an_integration_s_jwks_url_publishes_its_public_key_only_with_cache_headers() throws Exception {
    io.flare.iem.v1.Integration created = service.integrations().createIntegration(
        io.flare.iem.v1.CreateIntegrationRequest.newBuilder().setTenantId("jwks-" + java.util.UUID.randomUUID())
            .setIntegration(io.flare.iem.v1.Integration.newBuilder().setDisplayName("Okta")
                .setOktaDomain("https://jwks-test.okta.com").setClientId("0oa1b2c3d4E5f6G7h8i9")).build())
        .getIntegration();
    assertThat(created.getJwksUrl()).startsWith("https://api.flare.io/.well-known/jwks/").endsWith(".json");

    var response = http.send(HttpRequest.newBuilder(URI.create(OktaSims.localJwksUrl(service, created))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(response.headers().firstValue("cache-control")).hasValue("public, max-age=60");
    var keys = new io.vertx.core.json.JsonObject(response.body()).getJsonArray("keys");
    assertThat(keys).hasSize(1);
    var key = keys.getJsonObject(0);
    assertThat(key.getString("kty")).isEqualTo("EC");
    assertThat(key.getString("crv")).isEqualTo("P-256");
    assertThat(key.getString("use")).isEqualTo("sig");
    assertThat(key.getString("alg")).isEqualTo("ES256");
    assertThat(key.getString("kid")).isEqualTo(created.getSigningKeys(0).getKeyId());
    assertThat(created.getSigningKeys(0).getState()).isEqualTo(io.flare.iem.v1.IntegrationKeyState.INTEGRATION_KEY_STATE_ACTIVE);
    assertThat(key.fieldNames()).doesNotContain("d", "p", "q", "dp", "dq", "qi");

    var unknown = http.send(HttpRequest.newBuilder(URI.create(service.httpBase() + "/.well-known/jwks/"
        + java.util.UUID.randomUUID() + ".json")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(unknown.statusCode()).isEqualTo(404);
  }

  @Test
  void healthz_and_readyz_answer_over_http() throws Exception {
    var healthz = http.send(HttpRequest.newBuilder(URI.create(service.httpBase() + "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(healthz.statusCode()).isEqualTo(200);
    var readyz = http.send(HttpRequest.newBuilder(URI.create(service.httpBase() + "/readyz")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(readyz.statusCode()).isEqualTo(200);
    assertThat(readyz.body()).contains("\"ready\":true", "\"postgres\":true", "\"redis\":true");
  }
}
