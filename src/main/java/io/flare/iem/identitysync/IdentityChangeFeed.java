package io.flare.iem.identitysync;

import io.flare.iem.grpc.FeedCursor;
import io.flare.iem.grpc.Fields;
import io.flare.iem.grpc.Protos;
import io.flare.iem.v1.IdentifierKind;
import io.flare.iem.v1.IdentityChange;
import io.flare.iem.v1.IdentityChangeSnapshot;
import io.flare.iem.v1.IdentityChangeType;
import io.flare.iem.v1.IdentityIdentifier;
import io.flare.iem.v1.ListIdentityChangesRequest;
import io.flare.iem.v1.ListIdentityChangesResponse;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

/** ListIdentityChanges: validates the request, reads the log after the cursor, maps the page. */
final class IdentityChangeFeed {

  private final Pool pool;
  private final IdentityChangeLog log;

  IdentityChangeFeed(Pool pool, IdentityChangeLog log) {
    this.pool = pool;
    this.log = log;
  }

  Future<ListIdentityChangesResponse> list(ListIdentityChangesRequest request) {
    String tenantId = Fields.tenantId(request.getTenantId());
    String scope = scope(tenantId);
    FeedCursor.Position after = FeedCursor.decode(scope, request.getCursor());
    int size = FeedCursor.pageSize(request.getPageSize());
    return log.read(pool, tenantId, after, size).map(page -> {
      var b = ListIdentityChangesResponse.newBuilder().setNextCursor(FeedCursor.encode(scope, page.next()));
      page.entries().forEach(e -> b.addChanges(toProto(e)));
      return b.build();
    });
  }

  static String scope(String tenantId) {
    return "identity-changes/" + tenantId;
  }

  static IdentityChange toProto(IdentityChangeLog.Entry e) {
    var b = IdentityChange.newBuilder()
        .setChangeType(IdentityChangeType.valueOf("IDENTITY_CHANGE_TYPE_" + e.change().name()))
        .setIdentityId(e.identityId().toString())
        .setChangeTime(Protos.timestamp(e.time()));
    if (e.identifierValue() == null) {
      b.setIdentity(IdentityChangeSnapshot.newBuilder().setOktaUserId(e.oktaUserId()).setLogin(e.login())
          .setStatus(IdentitySyncEndpoint.userStatus(e.status())));
    } else {
      b.setIdentifier(IdentityIdentifier.newBuilder().setValue(e.identifierValue())
          .setKind(IdentifierKind.valueOf("IDENTIFIER_KIND_" + e.identifierKind())));
    }
    return b.build();
  }
}
