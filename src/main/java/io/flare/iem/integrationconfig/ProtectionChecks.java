package io.flare.iem.integrationconfig;

import io.flare.iem.integrationconfig.IntegrationDiagnostics.Result;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OrgDirectory;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * TestIntegration's check of the protected accounts: every protected group exists and the app may
 * read its members (else its members would not be protected: FAIL), and whether the app may list
 * the org's admins (else admins are protected only through a group or a login: WARN).
 */
final class ProtectionChecks {

  static final String NAME = "protected_accounts";

  private ProtectionChecks() {}

  static Future<Result> run(OktaOrg org, Integration integration) {
    if (integration.mitigationMode() != Integration.MitigationMode.AUTOMATED) {
      return Future.succeededFuture(OktaDiagnostics.skipped(NAME, "every mitigation waits for approval in "
          + integration.mitigationMode() + " mode"));
    }
    List<String> problems = new ArrayList<>();
    Future<Void> groups = Future.succeededFuture();
    for (String groupId : integration.protection().groupIds()) {
      groups = groups.compose(v -> org.directory().groupReadable(groupId).recover(error -> {
        problems.add(OrgDirectory.unknownGroup(error) ? "group " + groupId + " does not exist"
            : OrgDirectory.notGranted(error) ? "group " + groupId + " cannot be read (okta.groups.read and a role"
                + " that views groups are needed)" : "group " + groupId + " could not be read: " + error.getMessage());
        return Future.succeededFuture();
      }));
    }
    return groups.compose(v -> org.directory().adminUsers().transform(ar -> {
      int groupCount = integration.protection().groupIds().size();
      if (!problems.isEmpty()) {
        return Future.succeededFuture(OktaDiagnostics.fail(NAME, String.join("; ", problems) + ": its members are"
            + " not protected", "Fix protected_group_ids (Directory > Groups: the id is in the group's URL) and"
            + " grant okta.groups.read on the service app's Okta API Scopes tab."));
      }
      String detail = groupCount + " protected group(s) readable, " + integration.protection().logins().size()
          + " protected login(s)";
      if (ar.failed()) {
        return Future.succeededFuture(OktaDiagnostics.warn(NAME, detail + "; the org's admins cannot be listed ("
            + ar.cause().getMessage() + "), so an admin is protected only through a group or a login",
            "Grant okta.roles.read and a role that views admin assignments (Super Administrator) to protect every"
                + " Okta admin, or list the admins' group in protected_group_ids."));
      }
      return Future.succeededFuture(OktaDiagnostics.pass(NAME, detail + "; " + ar.result().size()
          + " user(s) holding an Okta admin role are protected too"));
    }));
  }
}
