package io.flare.iem.okta;

import io.flare.iem.failure.Failure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies a customer's custom URL domain and finds the Okta org behind it, without letting the
 * domain steer us anywhere (no SSRF). The name must resolve to public addresses only; one GET of
 * {@code https://<domain>/.well-known/okta-organization} then goes to an address that was checked
 * (never to a second DNS answer), follows no redirect, sends no credential and is cut off after
 * {@code timeout} or {@code maxBytes}. Its document must name an Okta org whose canonical URL is
 * itself an Okta org URL ({@link OktaDomain}): that URL, never the custom domain, is where every
 * Okta call then goes. Every refusal is {@link Failure.InvalidArgument} naming the field and why.
 */
public final class CustomDomains {

  /** Okta's org metadata: public, no authentication (management API, {@code getWellknownOrgMetadata}). */
  public static final String PATH = "/.well-known/okta-organization";
  public static final Duration TIMEOUT = Duration.ofSeconds(5);
  /** Okta's document is a few hundred bytes. */
  public static final int MAX_BYTES = 16 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(CustomDomains.class);
  private static final Pattern ORG_ID = Pattern.compile("[A-Za-z0-9]{1,64}");
  private static final Pattern PIPELINE = Pattern.compile("[a-z0-9]{1,16}");

  /**
   * A verified custom domain: {@code customDomain} as {@code https://host}, the org it is served by,
   * the org's id and its authentication pipeline ({@code idx}: Identity Engine, {@code v1}: Classic).
   */
  public record Verified(String customDomain, OktaDomain org, String orgId, String pipeline) {}

  private final Vertx vertx;
  private final HttpClient http;
  private final DomainNetwork network;
  private final Set<String> insecureHosts;
  private final Duration timeout;
  private final int maxBytes;

  /**
   * @param insecureHosts hosts a document may name as its org besides Okta's (simulators, tests)
   * @param timeout how long the whole verification may take: lookup, connection and answer
   */
  public CustomDomains(Vertx vertx, DomainNetwork network, Set<String> insecureHosts, Duration timeout,
      int maxBytes) {
    this.vertx = vertx;
    this.network = network;
    this.insecureHosts = Set.copyOf(insecureHosts);
    this.timeout = timeout;
    this.maxBytes = maxBytes;
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    this.http = vertx.createHttpClient(new HttpClientOptions()
            .setKeepAlive(false)
            .setConnectTimeout(millis)
            .setDecompressionSupported(false) // the size limit counts the bytes that arrive
            .setMaxRedirects(0)
            .setName("custom-domains"),
        new PoolOptions().setHttp1MaxSize(4));
  }

  /** With the default timeout and size limit. */
  public static CustomDomains create(Vertx vertx, DomainNetwork network, Set<String> insecureHosts) {
    return new CustomDomains(vertx, network, insecureHosts, TIMEOUT, MAX_BYTES);
  }

  /** Verifies {@code host} (a name {@link DomainInput} accepted); a refusal names {@code field}. */
  public Future<Verified> verify(String host, String field) {
    Promise<Verified> result = Promise.promise();
    AtomicReference<HttpClientRequest> inFlight = new AtomicReference<>();
    long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> {
      if (result.tryFail(DomainInput.refused(field, "'" + host + "' did not answer within " + timeout.toMillis()
          + " ms"))) {
        HttpClientRequest request = inFlight.get();
        if (request != null) {
          request.reset();
        }
      }
    });
    checkedAddress(host, field)
        .compose(address -> fetch(host, address, field, inFlight))
        .map(body -> document(host, body, field))
        .onComplete(outcome -> {
          vertx.cancelTimer(timer);
          if (outcome.succeeded()) {
            result.tryComplete(outcome.result());
          } else {
            result.tryFail(refusal(outcome.cause(), host, field));
          }
        });
    return result.future()
        .onSuccess(v -> LOG.atInfo().addKeyValue("custom_domain", host).addKeyValue("okta_org", v.org().value())
            .addKeyValue("okta_org_id", v.orgId()).log("custom URL domain verified"))
        .onFailure(e -> LOG.atInfo().addKeyValue("custom_domain", host).addKeyValue("why", e.getMessage())
            .log("custom URL domain refused"));
  }

  /** One address of {@code host}, every one of them public; as a literal, so nothing resolves it again. */
  private Future<InetAddress> checkedAddress(String host, String field) {
    Future<List<InetAddress>> answers;
    try {
      answers = network.resolve(host);
    } catch (RuntimeException e) {
      answers = Future.failedFuture(e);
    }
    return answers
        .recover(e -> Future.failedFuture(DomainInput.refused(field, "'" + host + "' does not resolve in DNS")))
        .map(addresses -> {
          if (addresses == null || addresses.isEmpty()) {
            throw DomainInput.refused(field, "'" + host + "' does not resolve in DNS");
          }
          for (InetAddress address : addresses) {
            Optional<String> kind = PublicAddresses.nonPublic(address);
            if (kind.isPresent()) {
              LOG.atInfo().addKeyValue("custom_domain", host).addKeyValue("address", address.getHostAddress())
                  .addKeyValue("kind", kind.get()).log("custom URL domain resolves to a non-public address");
              throw DomainInput.refused(field, "'" + host + "' resolves to an address that is not public ("
                  + kind.get() + "); a custom URL domain must resolve to public internet addresses only");
            }
          }
          return literal(addresses.get(0));
        });
  }

  private Future<Buffer> fetch(String host, InetAddress address, String field,
      AtomicReference<HttpClientRequest> inFlight) {
    DomainNetwork.Dial dial = network.dial(address);
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setServer(dial.socket())
        .setHost(host)
        .setPort(443)
        .setURI(PATH)
        .setSsl(dial.tls() != null)
        .setFollowRedirects(false)
        .setConnectTimeout(timeout.toMillis())
        .setIdleTimeout(timeout.toMillis())
        .putHeader(HttpHeaders.ACCEPT, "application/json")
        .putHeader(HttpHeaders.USER_AGENT, OktaClient.USER_AGENT);
    if (dial.tls() != null) {
      options.setSslOptions(dial.tls().copy().setTrustAll(false).setHostnameVerificationAlgorithm("HTTPS"));
    }
    return http.request(options).compose(request -> {
      inFlight.set(request);
      Promise<Buffer> body = Promise.promise();
      request.send().onComplete(sent -> {
        if (sent.failed()) {
          body.tryFail(sent.cause());
        } else {
          read(sent.result(), request, body, host, field);
        }
      });
      return body.future();
    });
  }

  private void read(HttpClientResponse response, HttpClientRequest request, Promise<Buffer> body, String host,
      String field) {
    int status = response.statusCode();
    String refusal = null;
    if (status >= 300 && status < 400) {
      refusal = "'" + host + "' answers " + PATH + " with a redirect (HTTP " + status + "), which is never"
          + " followed: enter the domain your org is served on";
    } else if (status != 200) {
      refusal = "'" + host + "' serves no Okta org metadata at " + PATH + " (HTTP " + status + ")";
    } else if (declaredLength(response) > maxBytes) {
      refusal = "'" + host + "' answers " + PATH + " with more than " + maxBytes + " bytes";
    }
    if (refusal != null) {
      body.tryFail(DomainInput.refused(field, refusal));
      request.reset();
      return;
    }
    Buffer received = Buffer.buffer();
    response.exceptionHandler(body::tryFail);
    response.handler(chunk -> {
      if (received.length() + chunk.length() > maxBytes) {
        body.tryFail(DomainInput.refused(field, "'" + host + "' answers " + PATH + " with more than " + maxBytes
            + " bytes"));
        request.reset();
      } else {
        received.appendBuffer(chunk);
      }
    });
    response.endHandler(done -> body.tryComplete(received));
  }

  private static long declaredLength(HttpClientResponse response) {
    String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      return length == null ? -1 : Long.parseLong(length.strip());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /** The org the document names; as documented by Okta: {@code id}, {@code pipeline}, {@code _links.organization.href}. */
  private Verified document(String host, Buffer body, String field) {
    JsonObject doc;
    try {
      doc = new JsonObject(body);
    } catch (RuntimeException e) {
      throw DomainInput.refused(field, "'" + host + "' serves no Okta org metadata at " + PATH + " (not a JSON"
          + " object)");
    }
    String href = organizationHref(doc);
    if (href == null) {
      throw DomainInput.refused(field, "the document at " + PATH + " of '" + host + "' names no Okta org"
          + " (no _links.organization.href)");
    }
    OktaDomain org;
    try {
      org = OktaDomain.parse(href, insecureHosts);
    } catch (Failure.InvalidArgument e) {
      throw DomainInput.refused(field, "the document at " + PATH + " of '" + host + "' names an org URL that is"
          + " not an https host under Okta's domains");
    }
    if (!(doc.getValue("id") instanceof String id) || !ORG_ID.matcher(id).matches()) {
      throw DomainInput.refused(field, "the document at " + PATH + " of '" + host + "' names no Okta org id");
    }
    String pipeline = doc.getValue("pipeline") instanceof String p && PIPELINE.matcher(p).matches() ? p : "";
    return new Verified("https://" + host, org, id, pipeline);
  }

  private static String organizationHref(JsonObject doc) {
    if (doc.getValue("_links") instanceof JsonObject links
        && links.getValue("organization") instanceof JsonObject organization
        && organization.getValue("href") instanceof String href) {
      return href;
    }
    return null;
  }

  /** What a failure that is not already a refusal tells the customer (never a raw message of the peer). */
  private static Throwable refusal(Throwable error, String host, String field) {
    if (error instanceof Failure.InvalidArgument) {
      return error;
    }
    if (error instanceof SSLException || error.getCause() instanceof SSLException) {
      return DomainInput.refused(field, "'" + host + "' does not present a valid TLS certificate for its name");
    }
    return DomainInput.refused(field, "'" + host + "' could not be reached over https ("
        + error.getClass().getSimpleName() + ")");
  }

  private static InetAddress literal(InetAddress address) {
    try {
      return InetAddress.getByAddress(address.getAddress());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // a 4 or 16 byte address is always accepted
    }
  }

  public Future<Void> close() {
    return http.close();
  }
}
