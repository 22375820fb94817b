package io.flare.iem.badinput;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import java.util.Map;

/**
 * A base request per RPC, one no input rule refuses, and what it answers. A case spoils one field
 * of it, so the field is the only reason for a refusal. Bases write nothing, except where said:
 * <ul>
 *   <li>CreateIntegration: the tenant has its integration already, so ALREADY_EXISTS (after every rule);
 *   <li>UpdateIntegration and UpdateTenantSettings: every field set to its current value, so a
 *       no-op; a legal new display name writes, and the test sends the base again after it;
 *   <li>DeleteIntegration: a stale etag, so ABORTED; StartSync: a tenant without an integration,
 *       so NOT_FOUND (a run would write in the background);
 *   <li>CheckCredential(s): a username no identity has, recorded NOT_FOUND: it writes a check;
 *   <li>TestIntegration and RotateIntegrationKey write when they succeed (their only field is
 *       {@code tenant_id}, which every value spoils);
 *   <li>ids of checks and mitigations: unknown ones, so NOT_FOUND.
 * </ul>
 * Placeholders {@code ${...}} are filled from the running service and simulator.
 */
final class Bases {

  static final String UNKNOWN_ID = "5b0c5f9e-1f0e-4a36-9d2b-3b1f0e9a6c11";
  static final String NO_INTEGRATION_TENANT = "fuzz-none";
  private static final String LEAK = """
      "leak":{"leak_id":"L-1","source":"paste site","source_kind":"combolist","leaked_time":"2026-01-01T00:00:00Z"}""";
  private static final String INTEGRATION = """
      {"display_name":"Fuzz","okta_domain":"${domain}","client_id":"${client_id}","max_daily_password_attempts":2}""";

  /** A base: the request as JSON, what it answers, whether the test sends it again after a case that wrote. */
  record Base(String json, Answer answer, boolean restoresAfterWrite) {}

  static final Map<String, Base> BASES = Map.ofEntries(
      base("CreateIntegration", "\"integration\":" + INTEGRATION, Answer.of(Status.Code.ALREADY_EXISTS)),
      base("GetIntegration", "", Answer.OK),
      restoring("UpdateIntegration", "\"integration\":" + INTEGRATION
          + ",\"update_mask\":\"displayName,oktaDomain,clientId,maxDailyPasswordAttempts,autoCreateIdentifiers,"
          + "mitigationMode\"", Answer.OK), // JSON spells a FieldMask as one string of camelCase paths
      base("DeleteIntegration", "\"etag\":\"stale-etag\"", Answer.of(Status.Code.ABORTED)),
      base("TestIntegration", "", Answer.OK.writing("integrations")),
      base("RotateIntegrationKey", "", Answer.OK.writing("integration_signing_keys", "audit_events")),
      base("GetTenantSettings", "", Answer.OK),
      restoring("UpdateTenantSettings", "\"settings\":{\"identifier_cap\":"
          + "${identifier_cap},\"time_zone\":\"UTC\",\"nightly_sync_hour\":${nightly_sync_hour},"
          + "\"full_sync_interval_days\":${full_sync_interval_days}},"
          + "\"update_mask\":\"identifierCap,timeZone,nightlySyncHour,fullSyncIntervalDays\"", Answer.OK),
      base("ListAuditEvents", "\"page_size\":5", Answer.OK),
      base("StartSync", "\"tenant_id\":\"" + NO_INTEGRATION_TENANT + "\",\"mode\":\"SYNC_MODE_FULL\"",
          Answer.of(Status.Code.NOT_FOUND)),
      base("GetSyncRun", "\"sync_run_id\":\"${sync_run_id}\"", Answer.OK),
      base("ListSyncRuns", "\"page_size\":5", Answer.OK),
      base("WatchSyncRun", "\"sync_run_id\":\"${sync_run_id}\"", Answer.OK),
      base("CancelSyncRun", "\"sync_run_id\":\"${sync_run_id}\"", Answer.of(Status.Code.FAILED_PRECONDITION)),
      base("ListIdentities", "\"page_size\":5,\"status\":\"USER_STATUS_ACTIVE\",\"login_prefix\":\"a\"", Answer.OK),
      base("GetIdentity", "\"identity_id\":\"${identity_id}\"", Answer.OK),
      base("ListIdentityChanges", "\"page_size\":5", Answer.OK),
      base("ListCheckDecisions", "\"page_size\":5", Answer.OK),
      base("CheckCredential", "\"username\":\"nobody@fuzz.example\",\"password\":\"Leaked-123\"," + LEAK,
          Answer.OK.writing("credential_checks")),
      base("CheckCredentials", "\"username\":\"nobody@fuzz.example\",\"password\":\"Leaked-123\"," + LEAK,
          Answer.OK.writing("credential_checks")),
      base("GetCredentialCheck", "\"check_id\":\"" + UNKNOWN_ID + "\"", Answer.of(Status.Code.NOT_FOUND)),
      base("ListCredentialChecks", "\"page_size\":5,\"outcome\":\"CHECK_OUTCOME_NOT_FOUND\"", Answer.OK),
      base("ListMitigations", "\"page_size\":5,\"state\":\"MITIGATION_STATE_APPLIED\"", Answer.OK),
      base("ApproveMitigation", "\"mitigation_id\":\"" + UNKNOWN_ID + "\",\"actor\":\"analyst@flare\"",
          Answer.of(Status.Code.NOT_FOUND)),
      base("RejectMitigation", "\"mitigation_id\":\"" + UNKNOWN_ID + "\",\"actor\":\"analyst@flare\","
          + "\"reason\":\"a false positive\"", Answer.of(Status.Code.NOT_FOUND)));

  private Bases() {}

  private static Map.Entry<String, Base> base(String rpc, String fields, Answer answer) {
    return Map.entry(rpc, new Base(fields, answer, false));
  }

  private static Map.Entry<String, Base> restoring(String rpc, String fields, Answer answer) {
    return Map.entry(rpc, new Base(fields, answer, true));
  }

  /** The base of {@code rpc} as a message of {@code type}: tenant {@link BadInputTest#TENANT} unless it names one. */
  static DynamicMessage request(String rpc, Descriptor type, Map<String, String> placeholders) {
    String fields = BASES.get(rpc).json();
    String json = "{" + (fields.contains("\"tenant_id\"") ? "" : "\"tenant_id\":\"" + BadInputTest.TENANT + "\"")
        + (fields.isEmpty() || fields.contains("\"tenant_id\"") ? "" : ",") + fields + "}";
    for (Map.Entry<String, String> p : placeholders.entrySet()) {
      json = json.replace("${" + p.getKey() + "}", p.getValue());
    }
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    try {
      JsonFormat.parser().merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(rpc + ": " + json, e);
    }
    return b.build();
  }
}
