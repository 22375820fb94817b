package io.flare.iem.integrationconfig;

import io.flare.iem.integrationconfig.IntegrationDiagnostics.Outcome;
import io.flare.iem.integrationconfig.IntegrationDiagnostics.Result;
import io.flare.iem.okta.AdminRoles;
import io.flare.iem.okta.AdminRoles.UserCoverage;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The setup guide's "verify the required admin roles and permissions", answered: reads the service
 * app's role assignments ({@code okta.roles.read}), each custom role's permissions and the resource
 * set it is bound to, and says whether they allow what the integration's mode needs (view users;
 * with mitigation also suspend users and clear user sessions), naming what is missing. What it
 * cannot read or does not know is a WARN with the remedy, never a FAIL.
 */
final class AdminRoleDiagnosis {

  static final String NAME = "admin_role_permissions";

  /** The permissions the service uses, with the names the Admin Console shows for them. */
  private static final Map<String, String> CONSOLE = Map.of(
      AdminRoles.USERS_READ, "View users and their details",
      AdminRoles.SUSPEND, "Suspend users",
      AdminRoles.CLEAR_SESSIONS, "Clear user sessions");

  private AdminRoleDiagnosis() {}

  /** What one assignment allows, as read: {@code known} false when its permissions could not be established. */
  private record Grant(AdminRoles.Assignment role, Set<String> permissions, boolean known, UserCoverage users) {

    boolean allows(String permission) {
      return known && users != UserCoverage.NONE && AdminRoles.grants(permissions, permission);
    }

    /** A custom role that would allow it if its resource set held users. */
    boolean allowsButHoldsNoUsers(String permission) {
      return known && users == UserCoverage.NONE && AdminRoles.grants(permissions, permission);
    }
  }

  /** The permissions the integration needs, in the order they are reported. */
  static List<String> needs(Integration integration) {
    return integration.mitigates()
        ? List.of(AdminRoles.USERS_READ, AdminRoles.SUSPEND, AdminRoles.CLEAR_SESSIONS)
        : List.of(AdminRoles.USERS_READ);
  }

  static Future<Result> run(OktaOrg org, Integration integration) {
    List<String> needs = needs(integration);
    return org.setup().roleAssignments().transform(ar -> {
      if (ar.failed()) {
        return Future.succeededFuture(unreadable(ar.cause(), needs));
      }
      List<Future<Grant>> grants = ar.result().stream().filter(AdminRoles.Assignment::active)
          .map(role -> grant(org, role)).toList();
      return Future.join(grants).transform(ignored -> Future.succeededFuture(
          judge(grants.stream().map(Future::result).toList(), needs, integration)));
    });
  }

  /** What a role allows: a standard role from what Okta documents, a custom one as read from Okta. */
  private static Future<Grant> grant(OktaOrg org, AdminRoles.Assignment role) {
    if (!role.custom()) {
      return Future.succeededFuture(AdminRoles.standardPermissions(role.type())
          .map(p -> new Grant(role, p, true, UserCoverage.ALL))
          .orElse(new Grant(role, Set.of(), false, UserCoverage.ALL)));
    }
    if (role.roleId() == null || role.resourceSetId() == null) {
      return Future.succeededFuture(new Grant(role, Set.of(), false, UserCoverage.ALL));
    }
    Future<List<String>> permissions = org.setup().customRolePermissions(role.roleId());
    Future<List<String>> resources = org.setup().resourceSetResources(role.resourceSetId());
    return Future.join(permissions, resources).transform(ar -> Future.succeededFuture(ar.succeeded()
        ? new Grant(role, Set.copyOf(permissions.result()), true, AdminRoles.userCoverage(resources.result()))
        : new Grant(role, Set.of(), false, UserCoverage.ALL)));
  }

  private static Result judge(List<Grant> grants, List<String> needs, Integration integration) {
    if (grants.isEmpty()) {
      return new Result(NAME, Outcome.FAIL, "the app has no active admin role", "On the app's Admin roles tab, assign"
          + " a role with " + console(needs) + ": for example Group administrator, or a custom role with those"
          + " permissions bound to a resource set of users.");
    }
    List<String> missing = new ArrayList<>();
    List<String> unverified = new ArrayList<>();
    for (String need : needs) {
      if (grants.stream().anyMatch(g -> g.allows(need))) {
        continue;
      }
      if (grants.stream().anyMatch(g -> !g.known())) {
        unverified.add(need);
      } else {
        missing.add(need);
      }
    }
    String roles = grants.stream().map(g -> g.role().describe()).collect(Collectors.joining(", "));
    if (!missing.isEmpty()) {
      return new Result(NAME, Outcome.FAIL, "the app's admin roles (" + roles + ") do not allow " + named(missing)
          + ", which mitigation mode " + integration.mitigationMode() + " needs" + noUsers(grants, missing),
          remedy(grants, missing, integration));
    }
    if (!unverified.isEmpty()) {
      String unknown = grants.stream().filter(g -> !g.known()).map(g -> g.role().describe())
          .collect(Collectors.joining(", "));
      return new Result(NAME, Outcome.WARN, "could not verify " + named(unverified) + ": Flare does not know (or could"
          + " not read) what " + unknown + " allows", "Check on the app's Admin roles tab that its role has "
          + console(unverified) + ".");
    }
    return new Result(NAME, Outcome.PASS, grants.stream()
        .filter(g -> needs.stream().anyMatch(g::allows))
        .map(g -> g.role().describe() + " allows " + String.join(", ", needs.stream().filter(g::allows).toList())
            + (g.users() == UserCoverage.GROUPS ? " (only for the users of the groups in its resource set)" : ""))
        .collect(Collectors.joining("; ")), "");
  }

  private static String noUsers(List<Grant> grants, List<String> missing) {
    String roles = grants.stream().filter(g -> missing.stream().anyMatch(g::allowsButHoldsNoUsers))
        .map(g -> g.role().describe()).collect(Collectors.joining(", "));
    return roles.isEmpty() ? "" : "; " + roles + " has them, but its resource set holds no users (a group itself"
        + " gives no permission over its members)";
  }

  private static String remedy(List<Grant> grants, List<String> missing, Integration integration) {
    List<String> custom = grants.stream().filter(g -> g.role().custom()).map(g -> g.role().describe()).toList();
    String noUsers = grants.stream().filter(g -> missing.stream().anyMatch(g::allowsButHoldsNoUsers)).findFirst()
        .map(g -> "In Security > Administrators > Resources, add users to the resource set of " + g.role().describe()
            + " (Add resource, Users, then select a group: not Groups). ")
        .orElse("");
    List<String> lacking = missing.stream().filter(p -> grants.stream().noneMatch(g -> g.allowsButHoldsNoUsers(p)))
        .toList();
    String role = lacking.isEmpty() ? ""
        : custom.isEmpty() ? "On the app's Admin roles tab, assign Group administrator or a custom role with "
            + console(lacking) + ". "
        : "In Security > Administrators > Roles, add " + console(lacking) + " to " + custom.get(0) + ". ";
    return (noUsers + role + (integration.mitigates()
        ? "Or set the mitigation mode to VALIDATE_ONLY if Flare should not mitigate." : "")).trim();
  }

  private static Result unreadable(Throwable cause, List<String> needs) {
    String check = "check on the app's Admin roles tab that its role has " + console(needs) + ".";
    if (cause instanceof OktaException e && e.kind() == OktaException.Kind.INVALID_SCOPE) {
      return new Result(NAME, Outcome.WARN, OktaOrg.ROLES_READ + " is not granted, so Flare cannot read the app's"
          + " admin roles to verify them", "Grant " + OktaOrg.ROLES_READ + " on the app's Okta API Scopes tab, or "
          + check);
    }
    if (cause instanceof OktaException e && e.kind() == OktaException.Kind.FORBIDDEN) {
      return new Result(NAME, Outcome.WARN, "Okta refused to list the app's admin roles (" + e.errorCode() + "): reading"
          + " role assignments needs the Super administrator role or the permission okta.iam.read (View roles,"
          + " resources, and admin assignments)", "Add okta.iam.read to the app's custom role, or " + check);
    }
    return new Result(NAME, Outcome.WARN, "the app's admin roles could not be read: " + cause.getMessage(),
        "Run TestIntegration again later, or " + check);
  }

  private static String named(List<String> permissions) {
    return permissions.stream().map(p -> p + " (" + CONSOLE.get(p) + ")").collect(Collectors.joining(", "));
  }

  private static String console(List<String> permissions) {
    return permissions.stream().map(p -> "'" + CONSOLE.get(p) + "'").collect(Collectors.joining(", "));
  }
}
