package io.flare.iem.identitysync;

import java.time.Instant;
import java.util.UUID;

/**
 * One sync run as stored: where it is, where its listing resumes, its counters, and who queued it
 * ({@code submittedBy}: the caller's verified identity, {@code system} for the nightly schedule,
 * null for runs queued before it was recorded).
 */
record SyncRun(
    UUID id,
    String tenantId,
    SyncQueue.Mode mode,
    SyncQueue.Trigger trigger,
    State state,
    Instant createTime,
    Instant startTime,
    Instant endTime,
    Instant sinceTime,
    String cursor,
    Instant maxLastUpdated,
    boolean cancelRequested,
    Counters counters,
    String errorMessage,
    String submittedBy) {

  enum State {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    boolean ended() {
      return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
  }

  /** The run's progress counters, as the proto reports them. */
  record Counters(long usersSeen, long identitiesCreated, long identitiesUpdated, long identitiesRemoved,
      long identifiersCreated, long identifiersOverCap, long pagesFetched, long oktaRequests, long rateLimitWaits) {

    static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0, 0, 0);

    Counters plus(Counters o) {
      return new Counters(usersSeen + o.usersSeen, identitiesCreated + o.identitiesCreated,
          identitiesUpdated + o.identitiesUpdated, identitiesRemoved + o.identitiesRemoved,
          identifiersCreated + o.identifiersCreated, identifiersOverCap + o.identifiersOverCap,
          pagesFetched + o.pagesFetched, oktaRequests + o.oktaRequests, rateLimitWaits + o.rateLimitWaits);
    }
  }
}
