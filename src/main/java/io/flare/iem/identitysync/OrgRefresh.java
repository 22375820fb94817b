package io.flare.iem.identitysync;

import io.flare.iem.integrationconfig.Integration;
import io.vertx.core.Future;

/**
 * What every sync run reads again of the org besides its users, before listing them: its lockout
 * threshold ({@code integrationconfig.LockoutThresholds}). Never fails the run; answers whether the
 * org could be read (when not, the run reads it again once its listing got through).
 */
@FunctionalInterface
public interface OrgRefresh {

  OrgRefresh NONE = integration -> Future.succeededFuture(true);

  Future<Boolean> refresh(Integration integration);
}
