package io.flare.iem.credentialcheck;

import io.flare.iem.grpc.FeedCursor;
import io.flare.iem.grpc.Fields;
import io.flare.iem.grpc.Protos;
import io.flare.iem.v1.CheckDecision;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.ListCheckDecisionsRequest;
import io.flare.iem.v1.ListCheckDecisionsResponse;
import io.flare.iem.v1.SkipReason;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

/** ListCheckDecisions: validates the request, reads the log after the cursor, maps the page. */
final class CheckDecisionFeed {

  private final Pool pool;
  private final CheckDecisionLog log;

  CheckDecisionFeed(Pool pool, CheckDecisionLog log) {
    this.pool = pool;
    this.log = log;
  }

  Future<ListCheckDecisionsResponse> list(ListCheckDecisionsRequest request) {
    String tenantId = Fields.tenantId(request.getTenantId());
    String scope = "check-decisions/" + tenantId;
    FeedCursor.Position after = FeedCursor.decode(scope, request.getCursor());
    int size = FeedCursor.pageSize(request.getPageSize());
    return log.read(pool, tenantId, after, size).map(page -> {
      var b = ListCheckDecisionsResponse.newBuilder().setNextCursor(FeedCursor.encode(scope, page.next()));
      page.entries().forEach(e -> b.addDecisions(toProto(e)));
      return b.build();
    });
  }

  private static CheckDecision toProto(CheckDecisionLog.Entry e) {
    return CheckDecision.newBuilder()
        .setOutcome(CheckOutcome.valueOf("CHECK_OUTCOME_" + e.outcome().name()))
        .setSkipReason(e.skipReason() == null ? SkipReason.SKIP_REASON_UNSPECIFIED
            : SkipReason.valueOf("SKIP_REASON_" + e.skipReason().name()))
        .setDecideTime(Protos.timestamp(e.decideTime()))
        .setCheck(e.check() == null ? CredentialCheck.newBuilder().setCheckId(e.checkId().toString()).build()
            : CredentialCheckEndpoint.toProto(e.check()))
        .build();
  }
}
