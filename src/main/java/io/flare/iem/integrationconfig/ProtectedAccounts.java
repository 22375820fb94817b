package io.flare.iem.integrationconfig;

import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OrgDirectory;
import io.flare.iem.okta.Usage;
import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounts of an org that are never suspended without a person's approval: the members of the
 * integration's protected groups and, where the app may read admin role assignments, every user
 * holding an Okta admin role; plus its protected logins, matched at mitigation time. Every sync run
 * reads the groups (only those) and the admins again and replaces the tenant's rows. A read that
 * fails keeps the rows last read: protection known once is safer than none. An unknown group
 * protects nobody (and is logged); admins the app may not list protect nobody by role.
 */
public final class ProtectedAccounts {

  private static final Logger LOG = LoggerFactory.getLogger(ProtectedAccounts.class);

  private static final String REPLACE_DELETE = "DELETE FROM protected_accounts WHERE tenant_id = $1";
  private static final String REPLACE_INSERT = """
      INSERT INTO protected_accounts (tenant_id, okta_user_id, reasons, read_time)
      SELECT $1, u.id, u.reasons, $4 FROM unnest($2::text[], $3::text[]) AS u (id, reasons)
      """;
  private static final String REASONS = """
      SELECT reasons FROM protected_accounts WHERE tenant_id = $1 AND okta_user_id = $2
      """;

  private final OktaClient okta;
  private final Pool pool;
  private final Clock clock;

  public ProtectedAccounts(OktaClient okta, Pool pool, Clock clock) {
    this.okta = okta;
    this.pool = pool;
    this.clock = clock;
  }

  /** Reads the protected groups' members and the admins and stores them; never fails: false when unread. */
  public Future<Boolean> refresh(Integration integration) {
    if (integration.kind() != Integration.Kind.OKTA
        || integration.mitigationMode() != Integration.MitigationMode.AUTOMATED) {
      return Future.succeededFuture(true); // only AUTOMATED mode applies a mitigation without a person
    }
    Map<String, List<String>> reasons = new LinkedHashMap<>();
    return Future.succeededFuture(integration)
        .map(i -> okta.org(i.oktaApp(), Usage.named("protected-accounts")))
        .compose(org -> groups(org, integration, integration.protection().groupIds(), 0, reasons)
            .compose(ignored -> admins(org, integration, reasons)))
        .compose(ignored -> store(integration.tenantId(), reasons))
        .map(true)
        .recover(error -> {
          LOG.atInfo().addKeyValue("tenant", integration.tenantId())
              .log("the protected accounts could not be read; the accounts last read stay protected: {}",
                  error.getMessage());
          return Future.succeededFuture(false);
        });
  }

  private Future<Void> groups(OktaOrg org, Integration integration, List<String> groupIds, int index,
      Map<String, List<String>> reasons) {
    if (index >= groupIds.size()) {
      return Future.succeededFuture();
    }
    String groupId = groupIds.get(index);
    return org.setup().directory().groupMembers(groupId)
        .map(members -> {
          members.forEach(id -> reasons.computeIfAbsent(id, k -> new ArrayList<>())
              .add("member of protected group " + groupId));
          return (Void) null;
        })
        .recover(error -> {
          if (OrgDirectory.unknownGroup(error)) {
            LOG.atWarn().addKeyValue("tenant", integration.tenantId()).addKeyValue("group_id", groupId)
                .log("protected group {} does not exist in the Okta org: it protects nobody", groupId);
            return Future.succeededFuture();
          }
          return Future.failedFuture(error);
        })
        .compose(ignored -> groups(org, integration, groupIds, index + 1, reasons));
  }

  private Future<Void> admins(OktaOrg org, Integration integration, Map<String, List<String>> reasons) {
    return org.setup().directory().adminUsers()
        .map(admins -> {
          admins.forEach(id -> reasons.computeIfAbsent(id, k -> new ArrayList<>()).add("holds an Okta admin role"));
          return (Void) null;
        })
        .recover(error -> {
          if (OrgDirectory.notGranted(error)) {
            LOG.atDebug().addKeyValue("tenant", integration.tenantId())
                .log("the app may not list admin role assignments: admins are protected only by group or login");
            return Future.succeededFuture();
          }
          return Future.failedFuture(error);
        });
  }

  private Future<Void> store(String tenantId, Map<String, List<String>> reasons) {
    String[] ids = reasons.keySet().toArray(String[]::new);
    String[] why = reasons.values().stream().map(r -> String.join("; ", r)).toArray(String[]::new);
    return pool.withTransaction(tx -> tx.preparedQuery(REPLACE_DELETE).execute(Tuple.of(tenantId))
        .compose(ignored -> tx.preparedQuery(REPLACE_INSERT)
            .execute(Tuple.of(tenantId, ids, why, PgTime.utc(clock.instant()))))
        .mapEmpty());
  }

  /**
   * Why a mitigation of this user must wait for a person's approval, if it must: a protected login,
   * or the reasons the last sync read.
   */
  public Future<Optional<String>> reason(SqlClient client, Integration integration, String oktaUserId, String login) {
    if (integration.protection().listsLogin(login)) {
      return Future.succeededFuture(Optional.of("protected account: login '" + login + "' is in protected_logins"));
    }
    return client.preparedQuery(REASONS).execute(Tuple.of(integration.tenantId(), oktaUserId))
        .map(rows -> rows.size() == 0 ? Optional.<String>empty()
            : Optional.of("protected account: " + rows.iterator().next().getString("reasons")));
  }
}
