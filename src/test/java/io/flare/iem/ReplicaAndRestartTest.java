package io.flare.iem;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.flare.iem.config.AppConfig;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.UpdateIntegrationRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** A restart keeps all data; a second instance on the same Postgres and Redis serves the same state. */
class ReplicaAndRestartTest {

  static final GetIntegrationRequest GET = GetIntegrationRequest.newBuilder().setTenantId("acme").build();

  @Test
  void restart_keeps_data_and_a_second_instance_serves_the_same_state() throws Exception {
    AppConfig config = TestServers.config(TestServers.newDatabase());
    Integration created;
    try (RunningService first = RunningService.start(config)) {
      created = first.integrations().createIntegration(CreateIntegrationRequest.newBuilder().setTenantId("acme")
          .setIntegration(Integration.newBuilder().setDisplayName("Acme").setOktaDomain("acme.okta.com")
              .setClientId("0oa1b2c3d4E5f6G7h8i9")).build()).getIntegration();
    }
    try (RunningService restarted = RunningService.start(config);
        RunningService replica = RunningService.start(config)) {
      assertThat(restarted.integrations().getIntegration(GET).getIntegration()).isEqualTo(created);
      assertThat(replica.integrations().getIntegration(GET).getIntegration()).isEqualTo(created);

      Integration updated = replica.integrations().updateIntegration(UpdateIntegrationRequest.newBuilder()
          .setTenantId("acme").setEtag(created.getEtag())
          .setIntegration(Integration.newBuilder().setDisplayName("Acme (renamed on the replica)"))
          .setUpdateMask(FieldMask.newBuilder().addPaths("display_name")).build()).getIntegration();
      assertThat(restarted.integrations().getIntegration(GET).getIntegration()).isEqualTo(updated);

      // both publish the integration's keys, so Okta may fetch its JWKS from either
      HttpClient http = HttpClient.newHttpClient();
      String a = http.send(HttpRequest.newBuilder(URI.create(OktaSims.localJwksUrl(restarted, created))).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      String b = http.send(HttpRequest.newBuilder(URI.create(OktaSims.localJwksUrl(replica, created))).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(a).isEqualTo(b).contains("\"kid\":\"" + created.getSigningKeys(0).getKeyId() + "\"");
    }
  }
}
