package io.flare.iem.identitysync;

import io.flare.iem.integrationconfig.Integration;
import io.vertx.core.Future;

/**
 * What every sync run reads again of the org besides its users, before listing them: its lockout
 * threshold ({@code integrationconfig.LockoutThresholds}) and its protected accounts
 * ({@code integrationconfig.ProtectedAccounts}). Never fails the run; answers whether the
 * org could be read (when not, the run reads it again once its listing got through).
 */
@FunctionalInterface
public interface OrgRefresh {

  OrgRefresh NONE = integration -> Future.succeededFuture(true);

  Future<Boolean> refresh(Integration integration);

  /** Each of {@code refreshes} in turn; the org was read when every one read it. */
  static OrgRefresh all(OrgRefresh... refreshes) {
    return integration -> {
      Future<Boolean> read = Future.succeededFuture(true);
      for (OrgRefresh r : refreshes) {
        read = read.compose(before -> r.refresh(integration).map(now -> before && now));
      }
      return read;
    };
  }
}
