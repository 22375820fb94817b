package io.flare.iem.identitysync;

import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.okta.Bucket;
import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OktaUser;
import io.flare.iem.okta.Usage;
import io.flare.iem.okta.UserPages;
import io.flare.iem.okta.UserQuery;
import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Sync runs read Okta's user listing: a full sync lists every user including DEPROVISIONED ones
 * (through {@code filter}), an incremental one the users updated since a time. Each run spends at
 * most its share of the users-listing bucket, so checks, mitigation and the customer's other apps
 * keep the rest.
 */
public final class OktaUserSources implements UserSources {

  private final OktaClient okta;
  private final double share;

  /** @param share the fraction (0, 1] of the app's users-listing rate limit a sync may use */
  public OktaUserSources(OktaClient okta, double share) {
    this.okta = okta;
    this.share = share;
  }

  @Override
  public UserSource open(Integration integration, Instant since) {
    Usage usage = Usage.named("sync").withShare(Bucket.USERS_LIST, share);
    OktaOrg org = okta.org(integration.oktaApp(), usage);
    UserQuery query = since == null ? UserQuery.allIncludingDeprovisioned() : UserQuery.updatedSince(since);
    return new Listing(org, usage, query);
  }

  /**
   * One run's listing. Pages are pulled in order from one {@link UserPages} stream (which fetches
   * one page ahead); a cursor other than the stream's position (a resumed run, a retry after an
   * outage) opens a new stream there.
   */
  private static final class Listing implements UserSource {
    private final OktaOrg org;
    private final Usage usage;
    private final UserQuery query;
    private UserPages pages;
    private long requestsSeen;
    private long waitsSeen;

    Listing(OktaOrg org, Usage usage, UserQuery query) {
      this.org = org;
      this.usage = usage;
      this.query = query;
    }

    @Override
    public Future<Page> page(String cursor) {
      if (pages == null || cursor == null || !Objects.equals(cursor, pages.cursor())) {
        pages = cursor == null ? org.listUsers(query) : org.resumeUsers(cursor);
      }
      return pages.next().map(page -> {
        long requests = usage.requests();
        long waits = usage.rateLimitWaits();
        Page out = new Page(users(page.users()), page.nextCursor(), (int) (requests - requestsSeen),
            (int) (waits - waitsSeen), page.oktaTime());
        requestsSeen = requests;
        waitsSeen = waits;
        return out;
      });
    }

    @Override
    public boolean isExpiredCursor(Throwable error) {
      return error instanceof OktaException e && e.kind() == OktaException.Kind.BAD_REQUEST
          && "E0000029".equals(e.errorCode());
    }

    /**
     * An outage, or Okta not accepting the integration's key: each integration has a JWKS URL of its
     * own, known once it is created, so its initial sync may start before the customer's admin has
     * registered that URL on the app. The run waits for it as for an outage (up to two hours), then
     * fails saying why; TestIntegration tells at once.
     */
    @Override
    public boolean isTransient(Throwable error) {
      return error instanceof OktaException e && (e.kind() == OktaException.Kind.UNAVAILABLE
          || e.kind() == OktaException.Kind.RATE_LIMITED || e.kind() == OktaException.Kind.UNEXPECTED
          || e.kind() == OktaException.Kind.INVALID_CLIENT);
    }
  }

  private static List<SyncedUser> users(List<OktaUser> users) {
    List<SyncedUser> out = new ArrayList<>(users.size());
    for (OktaUser u : users) {
      out.add(new SyncedUser(u.id(), u.status(), u.login(), u.email(), u.secondEmail(), u.firstName(), u.lastName(),
          time(u.lastLoginMillis()), time(u.passwordChangedMillis()), time(u.lastUpdatedMillis())));
    }
    return out;
  }

  private static OffsetDateTime time(long millis) {
    return millis == OktaUser.NONE ? null : PgTime.utc(Instant.ofEpochMilli(millis));
  }
}
