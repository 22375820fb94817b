package io.flare.iem.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.KeyValuePair;

/**
 * Both log formats of production's logback.xml: JSON (production) keeps the field names the
 * hand-written encoder had; dev mode writes one readable line; and in both a password or token that
 * slipped into a message, an argument, a key-value pair or an error is redacted.
 */
class LogRedactionTest {

  static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2lnbmF0dXJlLXZhbHVl";
  static final List<String> SECRETS = List.of("hunter2-Secret!", "s3cr3t-arg-value", "00aBcDeFgHiJkLmNoP", JWT,
      "tok-value-123", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "Tr0ub4dor&3");

  static LoggingEvent leakyEvent() {
    LoggingEvent event = new LoggingEvent(LogRedactionTest.class.getName(),
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("io.flare.iem.okta.OktaClient"), Level.WARN,
        "authn failed for password=hunter2-Secret! with {} and header Authorization: SSWS 00aBcDeFgHiJkLmNoP",
        new IllegalStateException("token rejected: Bearer " + JWT + "\n-----BEGIN PRIVATE KEY-----\n"
            + "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"),
        new Object[] {"client_secret=s3cr3t-arg-value"});
    event.addKeyValuePair(new KeyValuePair("tenant_id", "acme"));
    event.addKeyValuePair(new KeyValuePair("attempts", 3));
    event.addKeyValuePair(new KeyValuePair("okta_token", "tok-value-123"));
    event.addKeyValuePair(new KeyValuePair("password", "Tr0ub4dor&3"));
    return event;
  }

  @Test
  void production_json_keeps_the_field_names_and_redacts_secrets() {
    MDC.put("sync_run_id", "run-1");
    LoggingEvent event;
    try {
      event = leakyEvent();
      event.prepareForDeferredProcessing(); // reads the MDC now, as an async appender does
    } finally {
      MDC.clear();
    }
    String line = new String(LogFormats.encoder(null).encode(event), StandardCharsets.UTF_8);
    assertThat(line).endsWith("}\n").hasLineCount(1);
    JsonObject json = new JsonObject(line);
    // the hand-written JsonLineEncoder's fields: time, level, logger, thread, message, key-values and MDC at the
    // top level, error {type, message, stack}
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("time", "level", "logger", "thread", "message",
        "tenant_id", "attempts", "okta_token", "password", "sync_run_id", "error");
    assertThat(json.getJsonObject("error").fieldNames()).containsExactlyInAnyOrder("type", "message", "stack");
    assertThat(json.getString("time")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
    assertThat(json.getString("level")).isEqualTo("WARN");
    assertThat(json.getString("logger")).isEqualTo("io.flare.iem.okta.OktaClient");
    assertThat(json.getString("tenant_id")).isEqualTo("acme");
    assertThat(json.getInteger("attempts")).isEqualTo(3);
    assertThat(json.getString("sync_run_id")).isEqualTo("run-1");
    assertThat(json.getString("password")).isEqualTo(SecretRedactor.MASK);
    assertThat(json.getString("message")).startsWith("authn failed for password=[REDACTED] with client_secret=");
    assertThat(json.getJsonObject("error").getString("type")).isEqualTo("java.lang.IllegalStateException");
    assertThat(json.getJsonObject("error").getString("stack")).contains("  at io.flare.iem.logging.LogRedactionTest");
    assertNoSecret(line);
  }

  @Test
  void dev_mode_writes_one_readable_line_per_event_and_redacts_secrets() {
    String text = new String(LogFormats.encoder("text").encode(leakyEvent()), StandardCharsets.UTF_8);
    String first = text.lines().findFirst().orElseThrow();
    assertThat(first).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  OktaClient - authn failed for"
        + " password=\\[REDACTED] .* tenant_id=acme attempts=3 okta_token=\\[REDACTED] password=\\[REDACTED]");
    assertThat(text).contains("java.lang.IllegalStateException: token rejected: Bearer [REDACTED]");
    assertNoSecret(text);

    LoggingEvent plain = new LoggingEvent("x", ((LoggerContext) LoggerFactory.getILoggerFactory())
        .getLogger("io.flare.iem.identitysync.Syncer"), Level.INFO, "sync run succeeded", null, null);
    plain.addKeyValuePair(new KeyValuePair("tenant_id", "acme"));
    plain.addKeyValuePair(new KeyValuePair("detail", "two words"));
    assertThat(new String(LogFormats.encoder("text").encode(plain), StandardCharsets.UTF_8))
        .matches("\\S+ \\S+ INFO  Syncer - sync run succeeded tenant_id=acme detail=\"two words\"\\R");
  }

  @Test
  void the_redactor_keeps_ordinary_text() {
    String ordinary = "sync run failed: Okta answered 401 E0000011 (invalid token provided?) for 3 of 10 pages;"
        + " tokens expire after 1 h; could not get an access token: Okta answered 401; see https://x.example/token";
    assertThat(SecretRedactor.redact(ordinary)).isEqualTo(ordinary);
    assertThat(SecretRedactor.redact(Map.of("a", "b").toString())).isEqualTo("{a=b}");
    assertThat(SecretRedactor.redact("{\"password\":\"x y\",\"user\":\"u\"}"))
        .isEqualTo("{\"password\":\"[REDACTED]\",\"user\":\"u\"}");
    assertThat(SecretRedactor.redact("token:abc123 password = 'x y' api_key=k1")).isEqualTo(
        "token:[REDACTED] password = [REDACTED] api_key=[REDACTED]");
  }

  private static void assertNoSecret(String logged) {
    for (String secret : SECRETS) {
      assertThat(logged).as("the log holds a secret").doesNotContain(secret);
    }
    assertThat(logged).contains(SecretRedactor.MASK);
  }
}
