package io.flare.iem.oktasim;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The simulated org's users: {@code baseCount} users generated from (seed, index) without being
 * stored, plus overlays for users that were changed, added or deleted. Ids sort in index order, so
 * the listing order and the paging cursor come from the index. Not thread-safe: the simulator
 * guards it with its lock.
 */
final class SimUsers {

  static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final String[] FIRST = {"Amelia", "Noah", "Olivia", "Liam", "Emma", "Oliver", "Ava", "Elijah",
      "Sophia", "Lucas", "Isabella", "Mason", "Mia", "Ethan", "Charlotte", "Logan", "Amara", "Mateo", "Harper",
      "Levi", "Evelyn", "Sebastian", "Abigail", "Jack", "Emily", "Owen", "Ella", "Theodore", "Aria", "Aiden",
      "Scarlett", "Samuel", "Chloe", "Henry", "Camila", "Wyatt", "Penelope", "Leo", "Layla", "Jackson", "Riley",
      "Ezra", "Zoey", "Julian", "Nora", "Gabriel", "Lily", "Kai", "Hannah", "Ravi", "Mei", "Kenji", "Fatima",
      "Omar", "Ingrid", "Lars", "Chiara", "Marco", "Ana", "Diego", "Yuki", "Sven", "Priya", "Tariq"};
  private static final String[] LAST = {"Hughes", "Nguyen", "Smith", "Garcia", "Johnson", "Martinez", "Brown",
      "Lopez", "Davis", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
      "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
      "Allen", "King", "Wright", "Scott", "Torres", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
      "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Tanaka", "Kowalski", "Novak", "Silva", "Rossi",
      "Muller", "Dubois", "Larsen", "Okafor", "Haddad", "Kim", "Patel", "Singh", "Cohen", "Ivanova", "Santos",
      "Berg", "Fischer", "Moreau"};

  final long seed;
  final int baseCount;
  final long asOf;
  final boolean mixedStatuses;
  final String emailDomain;
  final String tag;
  final String typeId;
  private int nextIndex;
  private final TreeMap<Integer, SimUser> overlays = new TreeMap<>();
  private final Map<String, Integer> overlayLogins = new HashMap<>();

  SimUsers(long seed, int baseCount, long asOf, boolean mixedStatuses, String emailDomain) {
    this.seed = seed;
    this.baseCount = baseCount;
    this.asOf = asOf;
    this.mixedStatuses = mixedStatuses;
    this.emailDomain = emailDomain;
    this.tag = base62(mix(seed, -1), 7);
    this.typeId = "oty" + base62(mix(seed, -2), 17);
    this.nextIndex = baseCount;
  }

  /** One past the highest index ever used. */
  int end() {
    return nextIndex;
  }

  String id(int index) {
    return "00u" + tag + base62(index, 10);
  }

  /** The index encoded in {@code id}, or -1 when it is not an id of this org. */
  int indexOf(String id) {
    if (id == null || id.length() != 20 || !id.startsWith("00u" + tag)) {
      return -1;
    }
    long v = 0;
    for (int i = 10; i < 20; i++) {
      int d = ALPHABET.indexOf(id.charAt(i));
      if (d < 0) {
        return -1;
      }
      v = v * 62 + d;
    }
    return v < nextIndex ? (int) v : -1;
  }

  /** The user at {@code index} as it is now, or null if there is none (deleted or never created). */
  SimUser get(int index) {
    if (index < 0 || index >= nextIndex) {
      return null;
    }
    SimUser o = overlays.get(index);
    if (o != null) {
      return o.deleted ? null : o;
    }
    return index < baseCount ? generate(index) : null;
  }

  /** Whether {@code index} is changed (an overlay): cheap for filters on recent changes. */
  boolean isOverlay(int index) {
    return overlays.containsKey(index);
  }

  Iterable<Integer> overlayIndexesAfter(int index) {
    return overlays.tailMap(index, false).keySet();
  }

  /** The user with this id or login (case-insensitive), or null. */
  SimUser find(String idOrLogin) {
    if (idOrLogin == null) {
      return null;
    }
    int byId = indexOf(idOrLogin);
    if (byId >= 0) {
      return get(byId);
    }
    String login = idOrLogin.toLowerCase(Locale.ROOT);
    Integer overlay = overlayLogins.get(login);
    if (overlay != null) {
      SimUser u = get(overlay);
      if (u != null && u.login.equalsIgnoreCase(login)) {
        return u;
      }
    }
    int at = login.indexOf('@');
    int end = at < 0 ? login.length() : at;
    int start = end;
    while (start > 0 && Character.isDigit(login.charAt(start - 1))) {
      start--;
    }
    if (start == end || end - start > 9) {
      return null;
    }
    int index = Integer.parseInt(login.substring(start, end));
    SimUser u = get(index);
    return u != null && u.login.equalsIgnoreCase(login) ? u : null;
  }

  /** The user at {@code index} as an overlay that may be changed in place. */
  SimUser mutable(int index) {
    SimUser o = overlays.get(index);
    if (o == null) {
      SimUser g = get(index);
      if (g == null) {
        return null;
      }
      o = g;
      overlays.put(index, o);
    }
    return o;
  }

  /** Re-indexes a changed login. */
  void loginChanged(SimUser u) {
    overlayLogins.put(u.login.toLowerCase(Locale.ROOT), u.index);
  }

  SimUser add(String login, String firstName, String lastName, String status, long now) {
    int index = nextIndex++;
    SimUser u = new SimUser(index, id(index));
    u.login = login;
    u.email = login.contains("@") ? login : login + "@" + emailDomain;
    u.firstName = firstName;
    u.lastName = lastName;
    u.status = status;
    u.created = now;
    u.activated = status.equals("STAGED") ? SimUser.NONE : now;
    u.statusChanged = status.equals("STAGED") ? SimUser.NONE : now;
    u.lastLogin = SimUser.NONE;
    u.passwordChanged = now;
    u.lastUpdated = now;
    u.password = password(index);
    overlays.put(index, u);
    loginChanged(u);
    return u;
  }

  void hardDelete(int index) {
    SimUser u = mutable(index);
    if (u != null) {
      u.deleted = true;
    }
  }

  /** Generates user {@code index} of the seeded population. */
  SimUser generate(int index) {
    SplittableRandom r = new SplittableRandom(mix(seed, index));
    SimUser u = new SimUser(index, id(index));
    u.firstName = FIRST[r.nextInt(FIRST.length)];
    u.lastName = LAST[r.nextInt(LAST.length)];
    u.login = (u.firstName + "." + u.lastName).toLowerCase(Locale.ROOT) + index + "@" + emailDomain;
    u.email = u.login;
    u.secondEmail = r.nextInt(5) == 0
        ? (u.firstName.charAt(0) + u.lastName).toLowerCase(Locale.ROOT) + index + "@personal.example" : null;
    u.status = mixedStatuses ? status(r.nextInt(100)) : "ACTIVE";
    long day = Duration.ofDays(1).toMillis();
    long created = seconds(asOf - (30 + r.nextInt(1500)) * day - r.nextInt(86_400) * 1000L);
    boolean staged = u.status.equals("STAGED");
    boolean neverActive = staged || u.status.equals("PROVISIONED");
    u.created = created;
    u.activated = staged ? SimUser.NONE : seconds(created + r.nextInt(172_800) * 1000L);
    long lastChange = staged ? created : seconds(u.activated + (long) (r.nextDouble() * (asOf - u.activated)));
    u.statusChanged = staged ? SimUser.NONE : lastChange;
    u.passwordChanged = staged ? created : seconds(u.activated + (long) (r.nextDouble() * (asOf - u.activated)));
    boolean dormant = r.nextInt(10) == 0;
    u.lastLogin = neverActive || r.nextInt(12) == 0 ? SimUser.NONE
        : seconds(asOf - (dormant ? 200 + r.nextInt(400) : r.nextInt(60)) * day - r.nextInt(86_400) * 1000L);
    if (u.lastLogin != SimUser.NONE && u.lastLogin < u.passwordChanged) {
      u.lastLogin = u.passwordChanged + 60_000;
    }
    u.lastUpdated = Math.max(Math.max(created, lastChange), u.passwordChanged);
    u.password = password(index);
    if (u.status.equals("LOCKED_OUT")) {
      u.failedAttempts = 10;
      u.lockedAt = u.statusChanged;
    }
    return u;
  }

  /** The password user {@code index} starts with: deterministic from the seed. */
  String password(int index) {
    return "Sim-" + base62(mix(seed ^ 0x5A5A5A5AL, index), 10) + "!" + (index % 10);
  }

  private static String status(int roll) {
    if (roll < 82) {
      return "ACTIVE";
    } else if (roll < 85) {
      return "PROVISIONED";
    } else if (roll < 87) {
      return "STAGED";
    } else if (roll < 90) {
      return "SUSPENDED";
    } else if (roll < 92) {
      return "LOCKED_OUT";
    } else if (roll < 94) {
      return "PASSWORD_EXPIRED";
    } else if (roll < 95) {
      return "RECOVERY";
    }
    return "DEPROVISIONED";
  }

  private static long seconds(long millis) {
    return millis - Math.floorMod(millis, 1000L);
  }

  static long mix(long seed, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static String base62(long value, int width) {
    char[] out = new char[width];
    long v = value;
    for (int i = width - 1; i >= 0; i--) {
      out[i] = ALPHABET.charAt((int) Math.floorMod(v, 62L));
      v = Math.floorDiv(v, 62L);
      if (v == 0 && value >= 0 && width > 7) {
        for (int j = i - 1; j >= 0; j--) {
          out[j] = '0';
        }
        break;
      }
    }
    return new String(out);
  }
}
