package io.flare.iem.integrationconfig;

import io.flare.iem.failure.Failure;
import io.flare.iem.grpc.Fields;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The contract's rules for an integration's protected accounts, each naming its field. */
final class ProtectionRules {

  static final int MAX_GROUPS = 50;
  static final int MAX_LOGINS = 100;
  /** Okta's group ids: {@code 00g} and 17 letters or digits. */
  private static final Pattern GROUP_ID = Pattern.compile("00g[A-Za-z0-9]{17}");

  private ProtectionRules() {}

  static Integration.Protection validated(Integration.Protection p, String prefix) {
    String groupsField = prefix + "protected_group_ids";
    if (p.groupIds().size() > MAX_GROUPS) {
      throw new Failure.InvalidArgument(groupsField, "must list at most " + MAX_GROUPS + " groups");
    }
    Set<String> seenGroups = new HashSet<>();
    for (int i = 0; i < p.groupIds().size(); i++) {
      String id = p.groupIds().get(i);
      if (!GROUP_ID.matcher(id).matches()) {
        throw new Failure.InvalidArgument(groupsField + "[" + i + "]", "must be an Okta group id: '00g' followed by"
            + " 17 letters or digits (Directory > Groups > the group: its id is in the page's URL)");
      }
      if (!seenGroups.add(id)) {
        throw new Failure.InvalidArgument(groupsField + "[" + i + "]", "lists group '" + id + "' twice");
      }
    }
    String loginsField = prefix + "protected_logins";
    if (p.logins().size() > MAX_LOGINS) {
      throw new Failure.InvalidArgument(loginsField, "must list at most " + MAX_LOGINS + " logins");
    }
    Set<String> seenLogins = new HashSet<>();
    List<String> logins = new ArrayList<>();
    for (int i = 0; i < p.logins().size(); i++) {
      String field = loginsField + "[" + i + "]";
      String login = Fields.text(field, p.logins().get(i), 1, 100);
      if (!login.strip().equals(login)) {
        throw new Failure.InvalidArgument(field, "must not start or end with spaces");
      }
      if (!seenLogins.add(login.toLowerCase(Locale.ROOT))) {
        throw new Failure.InvalidArgument(field, "lists login '" + login + "' twice (logins compare case-insensitively)");
      }
      logins.add(login);
    }
    return new Integration.Protection(p.groupIds(), logins);
  }
}
