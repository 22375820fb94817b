package io.flare.iem.integrationconfig;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.flare.iem.failure.Failure;
import io.flare.iem.keys.PublishedKeys;
import io.flare.iem.keys.SecretBox;
import io.flare.iem.okta.AssertionKeys;
import io.flare.iem.okta.ClientAssertion;
import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Each integration's own signing keys: an EC P-256 pair generated at create, its private half
 * sealed at rest ({@link SecretBox}, bound to the tenant and key id), its public half published at
 * the integration's own JWKS URL and nowhere else. Rotation publishes a new key at once, signs with
 * it only from {@link #SIGN_AFTER} later, when Okta's cache of our JWKS has surely fetched it, and
 * keeps the old one published {@link #RETIRE_AFTER} beyond that. Every state follows from the
 * stored times and the clock: no job moves a key along.
 */
public final class IntegrationKeys implements AssertionKeys, PublishedKeys {

  /** Where an integration's keys are published, under {@code IEM_PUBLIC_BASE_URL}. */
  public static final String JWKS_PATH = "/.well-known/jwks/";
  /** How long our JWKS responses may be cached; part of {@link #SIGN_AFTER}. */
  public static final Duration JWKS_MAX_AGE = Duration.ofMinutes(1);
  /**
   * A new key signs only after this: Okta caches a client's JWKS for up to 5 minutes (and may not
   * fetch it again for a key id it does not know), a cache in front of us may hold it for {@link
   * #JWKS_MAX_AGE}, and a minute covers the replicas' clocks.
   */
  public static final Duration SIGN_AFTER = Duration.ofMinutes(5).plus(JWKS_MAX_AGE).plusMinutes(1);
  /** A superseded key stays published this long after its successor signs (replicas' clocks, retries). */
  public static final Duration RETIRE_AFTER = Duration.ofHours(1);
  /** What the sealing key of {@code IEM_SIGNING_KEY_FILE} is derived for. */
  public static final String SEALING_LABEL = "iem-okta/integration-signing-key/v1";

  /** A key's place in its integration's rotation. */
  public enum State {
    /** Published, not signing yet: Okta's cache is still to see it. */
    NEXT,
    /** Signs the integration's client assertions. */
    ACTIVE,
    /** Superseded: still published until its retire time, signs nothing. */
    RETIRING
  }

  /** One key as the customer may see it: no key material. */
  public record Key(String keyId, State state, Instant createTime, Instant signTime, Instant retireTime) {}

  /** A published key with its signer, for TestIntegration's question to Okta. */
  public record Opened(Key key, ClientAssertion signer) {}

  private static final String COLUMNS = "k.key_id, k.public_jwk, k.private_sealed, k.create_time, k.sign_time,"
      + " k.retire_time";

  private static final String PUBLISHED = "SELECT " + COLUMNS + """

      FROM integration_signing_keys k JOIN integrations i ON i.tenant_id = k.tenant_id AND i.integration_id = k.integration_id
      WHERE i.tenant_id = $1 AND k.tenant_id = $1 AND (k.retire_time IS NULL OR k.retire_time > $2)
      ORDER BY k.sign_time DESC, k.key_id
      """;

  /** The tenant a JWKS id belongs to: the public URL names no tenant (the directory is global). */
  private static final String JWKS_TENANT = "SELECT tenant_id FROM integration_directory WHERE jwks_id = $1";

  private static final String PUBLISHED_BY_JWKS_ID = """
      SELECT k.public_jwk
      FROM integrations i
      JOIN integration_signing_keys k ON k.tenant_id = i.tenant_id AND k.integration_id = i.integration_id
      WHERE i.tenant_id = $3 AND i.jwks_id = $1 AND (k.retire_time IS NULL OR k.retire_time > $2)
      ORDER BY k.sign_time DESC, k.key_id
      """;

  private static final String INSERT = """
      INSERT INTO integration_signing_keys (integration_id, tenant_id, key_id, public_jwk, private_sealed,
                                            create_time, sign_time)
      VALUES ($1, $2, $3, $4, $5, $6, $7)
      """;

  /** The first key of an integration created before keys were its own; a racing replica's insert wins. */
  private static final String INSERT_FIRST = """
      INSERT INTO integration_signing_keys (integration_id, tenant_id, key_id, public_jwk, private_sealed,
                                            create_time, sign_time)
      SELECT i.integration_id, i.tenant_id, $2, $3, $4, $5, $5
      FROM integrations i
      WHERE i.tenant_id = $1 AND i.kind = 'OKTA'
        AND NOT EXISTS (SELECT 1 FROM integration_signing_keys k
                        WHERE k.tenant_id = i.tenant_id AND k.integration_id = i.integration_id)
      """;

  private static final String RETIRE_OTHERS = """
      UPDATE integration_signing_keys SET retire_time = $3
      WHERE tenant_id = $4 AND integration_id = $1 AND key_id <> $2 AND (retire_time IS NULL OR retire_time > $3)
      """;

  private static final String FORGET_RETIRED = """
      DELETE FROM integration_signing_keys WHERE tenant_id = $3 AND integration_id = $1 AND retire_time < $2
      """;

  private final Vertx vertx;
  private final Pool pool;
  private final List<SecretBox> boxes;
  private final URI publicBaseUrl;
  private final Clock clock;

  /**
   * @param boxes the sealing keys derived from {@code IEM_SIGNING_KEY_FILE}: the first seals, any opens
   * @param publicBaseUrl {@code IEM_PUBLIC_BASE_URL}, under which Okta fetches the keys
   */
  public IntegrationKeys(Vertx vertx, Pool pool, List<SecretBox> boxes, URI publicBaseUrl, Clock clock) {
    if (boxes.isEmpty()) {
      throw new IllegalArgumentException("no sealing key");
    }
    this.vertx = vertx;
    this.pool = pool;
    this.boxes = List.copyOf(boxes);
    this.publicBaseUrl = publicBaseUrl;
    this.clock = clock;
  }

  /** The URL the customer registers on the service app: this integration's keys, and no other's. */
  public URI jwksUrl(UUID jwksId) {
    return publicBaseUrl.resolve(JWKS_PATH + jwksId + ".json");
  }

  /**
   * The issuer ({@code iss}) of the security events this integration sends Okta (issue 16): what
   * the Okta admin enters, with {@link #jwksUrl}, on the Security Events Provider. One per
   * integration, as its keys are.
   */
  public URI securityEventIssuer(UUID jwksId) {
    return issuerOf(jwksUrl(jwksId), jwksId);
  }

  /** The security events issuer of the integration whose keys are published at {@code jwksUrl}. */
  static URI issuerOf(URI jwksUrl, UUID jwksId) {
    return jwksUrl.resolve("/ssf/" + jwksId);
  }

  /** The integration's first key, signing at once (Okta has never fetched its URL), in the create transaction. */
  Future<Void> create(SqlClient tx, Integration integration) {
    Instant now = clock.instant();
    return generate().compose(jwk -> tx.preparedQuery(INSERT).execute(Tuple.from(new Object[] {integration.id(),
        integration.tenantId(), jwk.getKeyID(), jwk.toPublicJWK().toJSONString(), seal(integration.tenantId(), jwk),
        PgTime.utc(now), PgTime.utc(now)}))).mapEmpty();
  }

  /**
   * Publishes a new key now, signing from {@link #SIGN_AFTER} later; the keys it supersedes stay
   * published until {@link #RETIRE_AFTER} after that. FAILED_PRECONDITION while a rotation is
   * still waiting to sign. Call in a transaction holding the integration's row.
   */
  Future<List<Key>> rotate(SqlClient tx, Integration integration) {
    Instant now = clock.instant();
    Instant signFrom = now.plus(SIGN_AFTER);
    return published(tx, integration.tenantId(), now).compose(keys -> {
      Optional<Key> waiting = keys.stream().filter(k -> k.state() == State.NEXT).findFirst();
      if (waiting.isPresent()) {
        return Future.failedFuture(new Failure.FailedPrecondition("ROTATION_IN_PROGRESS",
            "key " + waiting.get().keyId() + " was published at " + waiting.get().createTime() + " and signs from "
                + waiting.get().signTime() + "; rotate again after that"));
      }
      return generate().compose(jwk -> tx.preparedQuery(INSERT).execute(Tuple.from(new Object[] {integration.id(),
              integration.tenantId(), jwk.getKeyID(), jwk.toPublicJWK().toJSONString(),
              seal(integration.tenantId(), jwk), PgTime.utc(now), PgTime.utc(signFrom)}))
          .compose(ignored -> tx.preparedQuery(RETIRE_OTHERS)
              .execute(Tuple.of(integration.id(), jwk.getKeyID(), PgTime.utc(signFrom.plus(RETIRE_AFTER)),
                  integration.tenantId())))
          .compose(ignored -> tx.preparedQuery(FORGET_RETIRED)
              .execute(Tuple.of(integration.id(), PgTime.utc(now.minus(Duration.ofDays(1))), integration.tenantId())))
          .compose(ignored -> published(tx, integration.tenantId(), now)));
    });
  }

  /** The tenant's published keys as they stand now, the next one first. */
  Future<List<Key>> published(SqlClient client, String tenantId) {
    return published(client, tenantId, clock.instant());
  }

  private Future<List<Key>> published(SqlClient client, String tenantId, Instant now) {
    return client.preparedQuery(PUBLISHED).execute(Tuple.of(tenantId, PgTime.utc(now)))
        .map(rows -> {
          List<Row> list = new ArrayList<>();
          rows.forEach(list::add);
          return states(list, now);
        });
  }

  /** The tenant's published keys with their signers: whether Okta accepts each is TestIntegration's question. */
  Future<List<Opened>> opened(String tenantId) {
    Instant now = clock.instant();
    return pool.preparedQuery(PUBLISHED).execute(Tuple.of(tenantId, PgTime.utc(now))).map(rows -> {
      List<Row> list = new ArrayList<>();
      rows.forEach(list::add);
      List<Key> keys = states(list, now);
      List<Opened> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        out.add(new Opened(keys.get(i), new ClientAssertion(open(tenantId, list.get(i)))));
      }
      return out;
    });
  }

  @Override
  public Future<ClientAssertion> signing(String tenantId) {
    Instant now = clock.instant();
    return pool.preparedQuery(PUBLISHED).execute(Tuple.of(tenantId, PgTime.utc(now))).compose(rows -> {
      for (Row row : rows) {
        if (!PgTime.instant(row, "sign_time").isAfter(now)) {
          return Future.succeededFuture(new ClientAssertion(open(tenantId, row)));
        }
      }
      if (rows.size() > 0) {
        return Future.failedFuture(new IllegalStateException("tenant " + tenantId + " has no key signing yet"));
      }
      // an integration created before keys were per integration: its first key, made now
      return generate()
          .compose(jwk -> pool.preparedQuery(INSERT_FIRST).execute(Tuple.of(tenantId, jwk.getKeyID(),
              jwk.toPublicJWK().toJSONString(), seal(tenantId, jwk), PgTime.utc(now))))
          .compose(inserted -> retryOnce(tenantId, inserted.rowCount()));
    });
  }

  private Future<ClientAssertion> retryOnce(String tenantId, int inserted) {
    return pool.preparedQuery(PUBLISHED).execute(Tuple.of(tenantId, PgTime.utc(clock.instant()))).compose(rows ->
        rows.size() == 0
            ? Future.failedFuture(IntegrationRepository.notFound(tenantId))
            : Future.succeededFuture(new ClientAssertion(open(tenantId, rows.iterator().next()))));
  }

  @Override
  public Future<Optional<JWKSet>> jwks(String jwksId) {
    UUID id;
    try {
      id = UUID.fromString(jwksId);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(Optional.empty());
    }
    return pool.preparedQuery(JWKS_TENANT).execute(Tuple.of(id))
        .compose(owner -> owner.size() == 0 ? Future.succeededFuture(null)
            : pool.preparedQuery(PUBLISHED_BY_JWKS_ID)
                .execute(Tuple.of(id, PgTime.utc(clock.instant()), owner.iterator().next().getString(0))))
        .map(rows -> {
          if (rows == null || rows.size() == 0) {
            return Optional.empty();
          }
          List<JWK> keys = new ArrayList<>();
          for (Row row : rows) {
            keys.add(parse(row.getString("public_jwk")).toPublicJWK());
          }
          return Optional.of(new JWKSet(keys));
        });
  }

  // ---- keys -----------------------------------------------------------------------------------

  /** Rows newest sign time first: those still to sign are NEXT, the first that signs is ACTIVE, the rest RETIRING. */
  private static List<Key> states(List<Row> rows, Instant now) {
    List<Key> out = new ArrayList<>();
    boolean activeSeen = false;
    for (Row row : rows) {
      Instant signTime = PgTime.instant(row, "sign_time");
      State state;
      if (signTime.isAfter(now)) {
        state = State.NEXT;
      } else if (!activeSeen) {
        state = State.ACTIVE;
        activeSeen = true;
      } else {
        state = State.RETIRING;
      }
      out.add(new Key(row.getString("key_id"), state, PgTime.instant(row, "create_time"), signTime,
          PgTime.instant(row, "retire_time")));
    }
    return out;
  }

  /** A fresh EC P-256 signing key; off the event loop (the random source may block). */
  private Future<ECKey> generate() {
    return vertx.executeBlocking(() -> new ECKeyGenerator(Curve.P_256)
        .keyUse(KeyUse.SIGNATURE)
        .algorithm(JWSAlgorithm.ES256)
        .keyIDFromThumbprint(true)
        .generate(), false);
  }

  private Buffer seal(String tenantId, JWK jwk) {
    byte[] plain = jwk.toJSONString().getBytes(StandardCharsets.UTF_8);
    try {
      return Buffer.buffer(boxes.get(0).seal(aad(tenantId, jwk.getKeyID()), plain));
    } finally {
      SecretBox.wipe(plain);
    }
  }

  private JWK open(String tenantId, Row row) {
    String keyId = row.getString("key_id");
    byte[] sealed = row.getBuffer("private_sealed").getBytes();
    for (SecretBox box : boxes) {
      byte[] plain;
      try {
        plain = box.open(aad(tenantId, keyId), sealed);
      } catch (IllegalArgumentException notThisBox) {
        continue;
      }
      try {
        return parse(new String(plain, StandardCharsets.UTF_8));
      } finally {
        SecretBox.wipe(plain);
      }
    }
    throw new IllegalStateException("the signing key " + keyId + " of tenant " + tenantId + " does not open with"
        + " any key of IEM_SIGNING_KEY_FILE: was the file replaced instead of rotated (new key first, old kept)?");
  }

  private static byte[] aad(String tenantId, String keyId) {
    return ("integration-signing-key\n" + tenantId + "\n" + keyId).getBytes(StandardCharsets.UTF_8);
  }

  private static JWK parse(String json) {
    try {
      return JWK.parse(json);
    } catch (ParseException e) {
      throw new IllegalStateException("a stored signing key is not a JWK", e);
    }
  }

  @Override
  public String toString() {
    return "IntegrationKeys[" + publicBaseUrl + JWKS_PATH + "]";
  }
}
