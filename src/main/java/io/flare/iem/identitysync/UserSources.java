package io.flare.iem.identitysync;

import io.flare.iem.integrationconfig.Integration;
import java.time.Instant;

/** Opens the user listing a sync run reads: every user for a full sync, those updated since a time otherwise. */
public interface UserSources {

  /**
   * @param since null for a full listing (every user, deprovisioned ones included); otherwise only
   *     users whose Okta {@code lastUpdated} is after it
   */
  UserSource open(Integration integration, Instant since);
}
