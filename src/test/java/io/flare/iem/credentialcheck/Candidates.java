package io.flare.iem.credentialcheck;

import io.flare.iem.identitysync.IdentityRepository.IdentityState;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OktaUser;
import io.vertx.core.Future;
import java.time.Instant;
import java.time.ZoneId;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Candidates for the gates' unit tests: an ACTIVE user who never signed in nor changed a password, a
 * check of a leak with no date, an Okta integration with the default cap of 2 and no known lockout
 * threshold, no attempt yet. Each {@code with...} returns a changed copy.
 */
final class Candidates {

  static final Instant NOW = Instant.parse("2026-06-15T10:00:00Z");

  String tenantId = "gates-" + UUID.randomUUID().toString().substring(0, 8);
  UUID identityId = UUID.randomUUID();
  UUID checkId = UUID.randomUUID();
  String status = "ACTIVE";
  String oktaUserId = "00u1";
  Instant passwordChanged;
  Instant lastLogin;
  Instant statusChanged;
  Instant lockoutSeen;
  Instant leakedTime;
  Instant createTime = NOW;
  int maxDaily = 2;
  Integer lockoutThreshold;
  ZoneId zone = ZoneId.of("UTC");
  CheckPipeline.Mode mode = CheckPipeline.Mode.WORKER;
  OktaOrg org;
  byte[] fingerprint = new byte[] {1, 2, 3};
  AttemptRepository.Counts counts = new AttemptRepository.Counts(0, 0);
  /** How many times the gates read the attempts. */
  final AtomicInteger attemptReads = new AtomicInteger();

  Candidate build() {
    StoredCheck check = new StoredCheck(checkId, tenantId, identityId, "alice@example.com", null, "", "", "",
        leakedTime, StoredCheck.Outcome.PENDING, null, "", 0, null, createTime, null, 0, null);
    CheckPipeline.Work work = new CheckPipeline.Work(check, "Leaked-Password-1", fingerprint, "owner-1", "system",
        mode, Future.succeededFuture());
    Integration integration = new Integration(UUID.randomUUID(), tenantId, Integration.Kind.OKTA, "Acme",
        "https://acme.okta.com", "0oa1b2c3d4E5f6G7h8i9", maxDaily, false, Integration.MitigationMode.VALIDATE_ONLY,
        lockoutThreshold, 1, null, NOW, NOW);
    OktaUser user = new OktaUser(oktaUserId, status, "alice@example.com", "alice@example.com", null, "Alice", "A",
        OktaUser.NONE, OktaUser.NONE, millis(statusChanged), millis(lastLogin), OktaUser.NONE, millis(passwordChanged));
    IdentityState identity = new IdentityState(identityId, oktaUserId, "alice@example.com", status, lastLogin,
        passwordChanged, lockoutSeen);
    AttemptRepository.Counts read = counts;
    return new Candidate(work, integration, zone, org, identity, user, NOW, c -> {
      attemptReads.incrementAndGet();
      return Future.succeededFuture(read);
    });
  }

  private static long millis(Instant instant) {
    return instant == null ? OktaUser.NONE : instant.toEpochMilli();
  }
}
