package io.flare.iem.okta;

import java.time.Instant;
import java.util.List;

/**
 * One page of users.
 *
 * @param users the users, in Okta's order
 * @param nextCursor the {@code rel="next"} URL: persist it once this page is committed and pass it
 *     to {@link OktaOrg#resumeUsers(String)} to continue after a crash; null on the last page
 * @param requestId Okta's {@code X-Okta-Request-Id}
 * @param oktaTime when Okta answered, by its own clock ({@code Date}, to the second); null without one
 */
public record UserPage(List<OktaUser> users, String nextCursor, String requestId, Instant oktaTime) {

  public boolean last() {
    return nextCursor == null;
  }
}
