package io.flare.iem.integrationconfig;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.grpc.Protos;
import io.flare.iem.v1.AuditEvent;
import io.flare.iem.v1.IdpKind;
import io.flare.iem.v1.IntegrationCheck;
import io.flare.iem.v1.IntegrationKey;
import io.flare.iem.v1.IntegrationKeyState;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.TestIntegrationResponse;
import io.flare.iem.v1.TestResult;
import java.util.List;

/** Integration config's records as the gRPC contract shows them. */
final class IntegrationProtos {

  private IntegrationProtos() {}

  /** The integration with where its keys are published and the keys themselves. */
  static io.flare.iem.v1.Integration toProto(Integration i, java.net.URI jwksUrl, List<IntegrationKeys.Key> keys) {
    var out = toProto(i).toBuilder().setJwksUrl(jwksUrl.toString());
    for (IntegrationKeys.Key k : keys) {
      var key = IntegrationKey.newBuilder()
          .setKeyId(k.keyId())
          .setState(IntegrationKeyState.valueOf("INTEGRATION_KEY_STATE_" + k.state().name()))
          .setCreateTime(Protos.timestamp(k.createTime()))
          .setSignTime(Protos.timestamp(k.signTime()));
      if (k.retireTime() != null) {
        key.setRetireTime(Protos.timestamp(k.retireTime()));
      }
      out.addSigningKeys(key);
    }
    return out.build();
  }

  static io.flare.iem.v1.Integration toProto(Integration i) {
    return io.flare.iem.v1.Integration.newBuilder()
        .setIntegrationId(i.id().toString())
        .setKind(i.kind() == Integration.Kind.OKTA ? IdpKind.IDP_KIND_OKTA : IdpKind.IDP_KIND_ENTRA_ID)
        .setDisplayName(i.displayName())
        .setOktaDomain(i.typedDomain())
        .setOktaOrgUrl(i.oktaDomain())
        .setClientId(i.clientId())
        .setMaxDailyPasswordAttempts(i.maxDailyPasswordAttempts())
        .setAutoCreateIdentifiers(i.autoCreateIdentifiers())
        .setMitigationMode(MitigationMode.valueOf("MITIGATION_MODE_" + i.mitigationMode().name()))
        .setEtag(i.etag())
        .setCreateTime(Protos.timestamp(i.createTime()))
        .setUpdateTime(Protos.timestamp(i.updateTime()))
        .setOktaLockoutThreshold(i.oktaLockoutThreshold() == null ? 0 : i.oktaLockoutThreshold())
        .addAllProtectedGroupIds(i.protection().groupIds())
        .addAllProtectedLogins(i.protection().logins())
        .build();
  }

  static io.flare.iem.v1.TenantSettings toProto(TenantSettings s) {
    return io.flare.iem.v1.TenantSettings.newBuilder()
        .setIdentifierCap(s.identifierCap())
        .setAutoIdentifiersEnabled(s.autoIdentifiersEnabled())
        .setMitigationEnabled(s.mitigationEnabled())
        .setTimeZone(s.timeZone().getId())
        .setNightlySyncHour(s.nightlySyncHour())
        .setFullSyncIntervalDays(s.fullSyncIntervalDays())
        .build();
  }

  static AuditEvent toProto(AuditLog.Stored row) {
    AuditLog.Event e = row.event();
    return AuditEvent.newBuilder()
        .setAuditEventId(Long.toString(row.id()))
        .setAction(e.action())
        .setActor(e.actor())
        .setIdentityId(e.identityId() == null ? "" : e.identityId().toString())
        .setOktaRequestId(e.oktaRequestId() == null ? "" : e.oktaRequestId())
        .setOutcome(e.outcome() == null ? "" : e.outcome())
        .setDetailJson(e.detail().encode())
        .setEventTime(Protos.timestamp(row.time()))
        .build();
  }

  static TestIntegrationResponse toResponse(List<IntegrationDiagnostics.Result> results) {
    var out = TestIntegrationResponse.newBuilder()
        .setOk(results.stream().noneMatch(r -> r.outcome() == IntegrationDiagnostics.Outcome.FAIL));
    for (var r : results) {
      out.addChecks(IntegrationCheck.newBuilder()
          .setName(r.name())
          .setResult(TestResult.valueOf("TEST_RESULT_" + r.outcome().name()))
          .setDetail(r.detail() == null ? "" : r.detail())
          .setRemedy(r.remedy() == null ? "" : r.remedy()));
    }
    return out.build();
  }
}
