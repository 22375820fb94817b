package io.flare.iem.oktasim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The org's password policies: the default one (priority 1, the simulator's lockout settings) and any
 * added for groups, listed by priority. {@code GET /api/v1/policies} takes {@code limit} and
 * {@code after} (the id of the last policy of the previous page) and pages with {@code Link} headers,
 * as Okta documents for its lists (developer.okta.com/docs/api/#pagination; the management spec's
 * listPolicies has {@code limit} "number of policies returned" and {@code after} "end page cursor").
 * Guarded by the simulator's lock.
 */
final class SimPolicies {

  private record Extra(String name, int priority, int maxAttempts) {}

  /** One page: its policies as JSON, the cursor it started after and the next page's (null on the last). */
  record Page(String json, int limit, String after, String next) {}

  private final List<Extra> extras = new ArrayList<>();
  int pageSize = 20;

  void add(String name, int priority, int maxAttempts) {
    extras.add(new Extra(name, priority, maxAttempts));
  }

  /** Every password policy, by priority: the default first. */
  List<JsonObject> all(long seed, JsonObject defaultLockout) {
    List<JsonObject> out = new ArrayList<>();
    out.add(policy(id(seed, 0), "Default Policy", 1, true,
        "The default policy applies in all situations if no other policy applies.", defaultLockout));
    List<Extra> sorted = new ArrayList<>(extras);
    sorted.sort(Comparator.comparingInt(Extra::priority));
    for (int i = 0; i < sorted.size(); i++) {
      Extra e = sorted.get(i);
      out.add(policy(id(seed, i + 1), e.name(), e.priority(), false, "", new JsonObject()
          .put("maxAttempts", e.maxAttempts()).put("autoUnlockMinutes", 0).put("showLockoutFailures", false)
          .put("userLockoutNotificationChannels", List.of())));
    }
    return out;
  }

  /** The page after the policy {@code after} (null: the first); an unknown cursor is refused. */
  static Page page(List<JsonObject> all, String after, String limitParam, int defaultSize) {
    int limit = limitParam == null ? defaultSize : Math.max(1, Math.min(200, Integer.parseInt(limitParam)));
    int start = 0;
    if (after != null) {
      start = -1;
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).getString("id").equals(after)) {
          start = i + 1;
        }
      }
      if (start < 0) {
        throw new IllegalArgumentException("unknown cursor");
      }
    }
    int end = Math.min(all.size(), start + limit);
    JsonArray page = new JsonArray(new ArrayList<>(all.subList(start, end)));
    String next = end < all.size() ? all.get(end - 1).getString("id") : null;
    return new Page(page.encode(), limit, after, next);
  }

  private static String id(long seed, int index) {
    return "00p" + SimUsers.base62(SimUsers.mix(seed, -5 - index * 7), 17);
  }

  private static JsonObject policy(String id, String name, int priority, boolean system, String description,
      JsonObject lockout) {
    return new JsonObject()
        .put("id", id)
        .put("status", "ACTIVE").put("name", name).put("description", description)
        .put("priority", priority).put("system", system).put("type", "PASSWORD")
        .put("conditions", new JsonObject().put("people", new JsonObject().put("groups",
            new JsonObject().put("include", List.of("00g" + id.substring(3))))))
        .put("settings", new JsonObject().put("password", new JsonObject()
            .put("complexity", new JsonObject().put("minLength", 8).put("minLowerCase", 1).put("minUpperCase", 1)
                .put("minNumber", 1).put("minSymbol", 0))
            .put("lockout", lockout)));
  }
}
