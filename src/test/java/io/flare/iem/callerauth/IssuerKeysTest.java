package io.flare.iem.callerauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import io.flare.iem.failure.Failure;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.testing.TestIssuer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cached issuer keys: when they are read again, and what happens when reading fails. */
class IssuerKeysTest {

  static final TestIssuer issuer = TestIssuer.create(Path.of("target", "issuer-keys-test"));
  static final String JWKS = new JWKSet(issuer.rsaKey().toPublicJWK()).toString();

  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  /** Answers each read with the next queued future; answers {@link #JWKS} when none is queued. */
  static final class ScriptedSource implements IssuerKeys.Source {
    final Deque<Future<String>> answers = new ArrayDeque<>();
    int reads;

    @Override
    public Future<String> fetch() {
      reads++;
      return answers.isEmpty() ? Future.succeededFuture(JWKS) : answers.poll();
    }

    @Override
    public String describe() {
      return "scripted";
    }
  }

  final ScriptedSource source = new ScriptedSource();
  final IssuerKeys keys = new IssuerKeys(source, clock, Duration.ofSeconds(30), Duration.ofMinutes(10),
      Duration.ofHours(1));

  @Test
  void keys_are_read_once_and_then_served_from_the_cache() {
    Await.result(keys.load());
    Await.result(keys.keys());
    Await.result(keys.keys());

    assertThat(source.reads).isEqualTo(1);
    assertThat(Await.result(keys.keys()).getKeyByKeyId(issuer.rsaKey().getKeyID())).isNotNull();
  }

  @Test
  void an_unknown_key_reads_again_at_most_once_per_interval() {
    Await.result(keys.load());

    clock.advance(Duration.ofSeconds(10));
    Await.result(keys.refreshForUnknownKey());
    Await.result(keys.refreshForUnknownKey());
    assertThat(source.reads).isEqualTo(1);

    clock.advance(Duration.ofSeconds(21));
    Await.result(keys.refreshForUnknownKey());
    Await.result(keys.refreshForUnknownKey());
    assertThat(source.reads).isEqualTo(2);
  }

  @Test
  void concurrent_refreshes_share_one_read() {
    Await.result(keys.load());
    Promise<String> slow = Promise.promise();
    source.answers.add(slow.future());
    clock.advance(Duration.ofMinutes(1));

    Future<JWKSet> first = keys.refreshForUnknownKey();
    clock.advance(Duration.ofMinutes(1));
    Future<JWKSet> second = keys.refreshForUnknownKey();
    slow.complete(JWKS);

    assertThat(source.reads).isEqualTo(2);
    assertThat(Await.result(first).getKeys()).hasSize(1);
    assertThat(Await.result(second).getKeys()).hasSize(1);
  }

  @Test
  void keys_older_than_the_refresh_interval_are_read_again_before_they_are_used() {
    Await.result(keys.load());
    Promise<String> slow = Promise.promise();
    source.answers.add(slow.future());
    clock.advance(Duration.ofMinutes(11));

    Future<JWKSet> served = keys.keys();
    assertThat(served.isComplete()).as("waits for the fresh read").isFalse();
    String rotated = new JWKSet(issuer.ecKey().toPublicJWK()).toString();
    slow.complete(rotated);

    assertThat(Await.result(served).getKeys()).extracting(k -> k.getKeyID()).containsExactly(issuer.ecKey().getKeyID());
    assertThat(source.reads).isEqualTo(2);
  }

  @Test
  void a_failed_read_keeps_the_keys_until_the_staleness_bound_then_refuses_them_as_unavailable() {
    Await.result(keys.load());
    source.answers.addAll(List.of(Future.failedFuture("issuer down"), Future.failedFuture("issuer down"),
        Future.failedFuture("issuer down"), Future.failedFuture("issuer down")));

    clock.advance(Duration.ofMinutes(11));
    assertThat(Await.result(keys.keys()).getKeys()).as("within the bound").hasSize(1);
    clock.advance(Duration.ofMinutes(48)); // 59 minutes after the last good read
    assertThat(Await.result(keys.keys()).getKeys()).as("within the bound").hasSize(1);

    clock.advance(Duration.ofMinutes(2)); // 61 minutes
    assertThatThrownBy(() -> Await.result(keys.keys()))
        .isInstanceOfSatisfying(Failure.Unavailable.class, e -> assertThat(e.reason()).isEqualTo("CALLER_KEYS_STALE"));
    clock.advance(Duration.ofSeconds(5)); // within the minimum interval: no read, still refused
    assertThatThrownBy(() -> Await.result(keys.refreshForUnknownKey())).isInstanceOf(Failure.Unavailable.class);

    clock.advance(Duration.ofMinutes(1));
    assertThatThrownBy(() -> Await.result(keys.keys())).isInstanceOf(Failure.Unavailable.class);
    clock.advance(Duration.ofMinutes(1)); // the issuer answers again
    assertThat(Await.result(keys.keys()).getKeys()).hasSize(1);
    assertThat(source.reads).isEqualTo(6);
  }

  @Test
  void a_failed_read_keeps_the_keys_we_had() {
    Await.result(keys.load());
    source.answers.add(Future.failedFuture("issuer down"));
    clock.advance(Duration.ofMinutes(1));

    assertThat(Await.result(keys.refreshForUnknownKey()).getKeys()).hasSize(1);
  }

  @Test
  void without_any_keys_a_caller_gets_unavailable_not_unauthenticated() {
    source.answers.addAll(List.of(Future.failedFuture("issuer down"), Future.failedFuture("issuer down")));
    assertThatThrownBy(() -> Await.result(keys.load())).hasMessageContaining("issuer down");

    clock.advance(Duration.ofMinutes(1));
    assertThatThrownBy(() -> Await.result(keys.keys()))
        .isInstanceOfSatisfying(Failure.Unavailable.class, e -> assertThat(e.reason()).isEqualTo("CALLER_KEYS_UNAVAILABLE"));
  }

  @Test
  void a_document_that_is_not_a_jwk_set_fails_the_load() {
    source.answers.add(Future.succeededFuture("<html>login</html>"));

    assertThatThrownBy(() -> Await.result(keys.load())).hasMessageContaining("not a valid JWK set");
  }

  @Test
  void only_public_halves_are_kept_from_a_private_jwk_set() {
    source.answers.add(Future.succeededFuture(new JWKSet(issuer.rsaKey()).toString(false)));

    assertThat(Await.result(keys.load()).getKeys()).noneMatch(key -> key.isPrivate());
  }

  @Test
  void the_url_source_reads_over_http_and_a_non_200_is_a_failure() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpServer server = Await.result(vertx.createHttpServer()
          .requestHandler(req -> {
            if (req.path().equals("/jwks.json")) {
              req.response().putHeader("content-type", "application/json").end(JWKS);
            } else {
              req.response().setStatusCode(500).end();
            }
          })
          .listen(0, "127.0.0.1"));
      String base = "http://127.0.0.1:" + server.actualPort();

      String body = Await.result(CallerAuth.urlSource(vertx, URI.create(base + "/jwks.json")).fetch());
      assertThat(JWKSet.parse(body).getKeys()).hasSize(1);
      assertThatThrownBy(() -> Await.result(CallerAuth.urlSource(vertx, URI.create(base + "/broken")).fetch()))
          .hasMessageContaining("500");
    } finally {
      Await.result(vertx.close());
    }
  }

  @Test
  void the_file_source_reads_the_file_again_on_every_refresh() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Path file = Files.createTempFile(Path.of("target"), "jwks", ".json");
      IssuerKeys.Source fileSource = CallerAuth.fileSource(vertx, file);
      Files.writeString(file, JWKS);
      assertThat(Await.result(fileSource.fetch())).isEqualTo(JWKS);

      String rotated = new JWKSet(issuer.ecKey().toPublicJWK()).toString();
      Files.writeString(file, rotated);
      assertThat(Await.result(fileSource.fetch())).isEqualTo(rotated);
    } finally {
      Await.result(vertx.close());
    }
  }
}
