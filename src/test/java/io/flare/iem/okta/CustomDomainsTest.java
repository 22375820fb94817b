package io.flare.iem.okta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flare.iem.failure.Failure;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.ScriptedDomains;
import io.flare.iem.testing.SelfSignedCertificate;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A custom URL domain is accepted only when it resolves to public addresses and its
 * {@code /.well-known/okta-organization} names an Okta org; the one request it costs goes to the
 * address that was checked, follows nothing and carries nothing. The domain's DNS and server are
 * scripted ({@link ScriptedDomains}): the simulated org, or a small server playing a hostile one.
 */
class CustomDomainsTest {

  static final String HOST = "login.acme-example.com";
  static final String PUBLIC = "52.1.2.3";
  static final String FIELD = "integration.okta_domain";
  /** Generous: a busy 2-core build machine; the slow-answer tests use {@link #SHORT}. */
  static final Duration TIMEOUT = Duration.ofSeconds(15);
  static final Duration SHORT = Duration.ofSeconds(1);

  static Vertx vertx;
  static OktaSimulator sim;
  ScriptedDomains network;
  CustomDomains domains;
  final List<HttpServer> servers = new ArrayList<>();
  final List<HttpServerRequest> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startOrg() {
    vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(5)).customDomain(HOST);
  }

  @AfterAll
  static void stopOrg() {
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  @BeforeEach
  void scriptNetwork() {
    network = new ScriptedDomains().resolves(HOST, PUBLIC).servesHttp(PUBLIC, sim.port());
    domains = new CustomDomains(vertx, network, Set.of("127.0.0.1"), TIMEOUT, 16 * 1024);
    sim.counters().reset();
  }

  @AfterEach
  void stopServers() {
    servers.forEach(s -> Await.result(s.close()));
    Await.result(domains.close());
  }

  CustomDomains.Verified verify() {
    return Await.result(domains.verify(HOST, FIELD));
  }

  String refusal() {
    Failure.InvalidArgument e = catchThrowableOfType(Failure.InvalidArgument.class, this::verify);
    assertThat(e).as("refused").isNotNull();
    assertThat(e.field()).isEqualTo(FIELD);
    assertThat(e.rule()).startsWith(DomainInput.RULE);
    return e.rule();
  }

  /** A server on a local port that a connection to {@link #PUBLIC}'s HTTPS port reaches. */
  void hostile(Handler<HttpServerRequest> handler) {
    HttpServer server = Await.result(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(req -> {
          received.add(req);
          handler.handle(req);
        })
        .listen());
    servers.add(server);
    network.servesHttp(PUBLIC, server.actualPort());
  }

  static String document(String orgUrl) {
    return new JsonObject().put("id", "00o47wwoytgsDqEtz0g7").put("pipeline", "v1")
        .put("_links", new JsonObject().put("organization", new JsonObject().put("href", orgUrl))).encode();
  }

  // ---- accepted -------------------------------------------------------------------------------

  @Test
  void a_custom_domain_of_an_okta_org_names_the_org_s_canonical_url() {
    CustomDomains.Verified verified = verify();

    assertThat(verified.customDomain()).isEqualTo("https://" + HOST);
    assertThat(verified.org().value()).isEqualTo(sim.baseUrl());
    assertThat(verified.orgId()).isEqualTo(sim.orgId());
    assertThat(verified.pipeline()).isEqualTo(sim.pipeline());
    assertThat(sim.counters().requests("GET /.well-known/okta-organization")).isEqualTo(1);
  }

  @Test
  void the_one_request_is_a_get_of_the_metadata_for_the_typed_host_and_carries_no_credential() {
    hostile(req -> req.response().putHeader("Content-Type", "application/json").end(document(sim.baseUrl())));

    verify();

    assertThat(received).hasSize(1);
    HttpServerRequest req = received.get(0);
    assertThat(req.method().name()).isEqualTo("GET");
    assertThat(req.path()).isEqualTo("/.well-known/okta-organization");
    assertThat(req.query()).isNull();
    MultiMap headers = req.headers();
    assertThat(headers.get("Host")).startsWith(HOST);
    assertThat(headers.names()).map(String::toLowerCase)
        .doesNotContain("authorization", "cookie", "dpop", "proxy-authorization");
  }

  @Test
  void the_request_goes_to_the_address_that_was_checked_not_to_a_second_dns_answer() {
    network.thenResolves(HOST, "127.0.0.1"); // a rebinding DNS server: public first, loopback after

    assertThat(verify().org().value()).isEqualTo(sim.baseUrl());
    assertThat(network.lookups(HOST)).isEqualTo(1);
    assertThat(network.dialled()).extracting(InetAddress::getHostAddress).containsExactly(PUBLIC);
  }

  @Test
  void https_is_verified_against_the_typed_name_while_connecting_to_the_checked_address() throws Exception {
    SelfSignedCertificate right = SelfSignedCertificate.forHost(certDir(), HOST);
    tls(right, right, document(sim.baseUrl()));
    assertThat(verify().org().value()).isEqualTo(sim.baseUrl());
    // SNI names the domain: a CDN serving many custom domains picks the certificate by it
    assertThat(received).singleElement().satisfies(req ->
        assertThat(req.connection().indicatedServerName()).isEqualTo(HOST));

    SelfSignedCertificate other = SelfSignedCertificate.forHost(certDir(), "other.acme-example.com");
    tls(other, other, document(sim.baseUrl())); // trusted, but issued to another name
    assertThat(refusal()).contains("does not present a valid TLS certificate");
  }

  @Test
  void the_production_network_dials_the_checked_address_on_port_443_over_verified_tls() throws Exception {
    DomainNetwork.Dial dial = DomainNetwork.system(vertx).dial(InetAddress.getByName(PUBLIC));

    assertThat(dial.socket().hostAddress()).isEqualTo(PUBLIC);
    assertThat(dial.socket().port()).isEqualTo(443);
    assertThat(dial.tls()).isNotNull();
    assertThat(dial.tls().isTrustAll()).isFalse();
    assertThat(dial.tls().getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
  }

  // ---- refused: addresses ---------------------------------------------------------------------

  @ParameterizedTest
  @CsvSource({"10.0.0.7, private", "127.0.0.1, loopback", "169.254.169.254, link-local", "100.64.3.4, CGNAT",
      "fd00::7, unique local", "::1, loopback", "0.0.0.0, unspecified", "192.0.2.1, documentation",
      "224.0.0.1, multicast"})
  void a_domain_resolving_to_a_non_public_address_is_refused_without_a_request(String address, String kind) {
    network.resolves(HOST, address).servesHttp(address, sim.port());

    assertThat(refusal()).contains("resolves to an address that is not public").contains(kind);
    assertThat(network.dialled()).isEmpty();
    assertThat(sim.counters().requests("GET /.well-known/okta-organization")).isZero();
  }

  @Test
  void mixed_answers_are_refused_when_any_address_is_not_public() {
    network.resolves(HOST, PUBLIC, "10.1.2.3");

    assertThat(refusal()).contains("not public (private)");
    assertThat(network.dialled()).isEmpty();
  }

  @Test
  void an_ipv4_mapped_ipv6_answer_is_judged_by_its_ipv4_address() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(InetAddress.getByName("127.0.0.1").getAddress(), 0, mapped, 12, 4);
    network.resolves(HOST, Inet6Address.getByAddress(null, mapped, -1));

    assertThat(refusal()).contains("loopback").contains("IPv4-mapped");
    assertThat(network.dialled()).isEmpty();
  }

  @Test
  void a_name_that_does_not_resolve_is_refused() {
    network = new ScriptedDomains();
    domains = new CustomDomains(vertx, network, Set.of("127.0.0.1"), TIMEOUT, 16 * 1024);

    assertThat(refusal()).contains("does not resolve");
  }

  // ---- refused: what the server answers -------------------------------------------------------

  @Test
  void a_host_without_the_metadata_document_is_refused() {
    hostile(req -> req.response().setStatusCode(404).end("<html>not found</html>"));

    assertThat(refusal()).contains("serves no Okta org metadata").contains("HTTP 404");
  }

  @ParameterizedTest
  @CsvSource({"https://evil.example.net", "https://" + HOST, "http://acme.okta.com", "https://10.0.0.1",
      "https://acme.okta.com.evil.net", "https://user@acme.okta.com", "not a url"})
  void a_document_naming_an_org_url_that_is_not_okta_s_is_refused(String orgUrl) {
    hostile(req -> req.response().putHeader("Content-Type", "application/json").end(document(orgUrl)));

    assertThat(refusal()).contains("names an org URL that is not an https host under Okta's domains");
  }

  @Test
  void a_document_that_names_no_org_is_refused() {
    hostile(req -> req.response().end(new JsonObject().put("id", "00o47wwoytgsDqEtz0g7").encode()));
    assertThat(refusal()).contains("names no Okta org");
  }

  @Test
  void a_document_without_an_org_id_is_refused() {
    hostile(req -> req.response().end(new JsonObject().put("_links", new JsonObject()
        .put("organization", new JsonObject().put("href", sim.baseUrl()))).encode()));
    assertThat(refusal()).contains("names no Okta org id");
  }

  @Test
  void an_answer_that_is_not_json_is_refused() {
    hostile(req -> req.response().end("<html>welcome</html>"));
    assertThat(refusal()).contains("not a JSON object");
  }

  @ParameterizedTest
  @CsvSource({"301, http://169.254.169.254/latest/meta-data/", "302, https://acme.okta.com/.well-known/okta-organization",
      "307, http://127.0.0.1:1/", "308, /elsewhere"})
  void a_redirect_is_refused_and_never_followed(int status, String location) {
    hostile(req -> req.response().setStatusCode(status).putHeader("Location", location).end());

    assertThat(refusal()).contains("redirect").contains("HTTP " + status);
    assertThat(received).hasSize(1);
    assertThat(network.dialled()).hasSize(1);
  }

  @Test
  void a_host_that_does_not_answer_is_refused_within_the_timeout() {
    hostile(req -> { }); // never answers
    shortTimeout();

    long start = System.nanoTime();
    assertThat(refusal()).contains("did not answer within 1000 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SHORT.plusSeconds(3));
  }

  @Test
  void a_host_that_starts_answering_and_stalls_is_refused_within_the_timeout() {
    hostile(req -> req.response().setChunked(true).putHeader("Content-Type", "application/json").write("{\"id\":"));
    shortTimeout();

    long start = System.nanoTime();
    assertThat(refusal()).contains("did not answer within 1000 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SHORT.plusSeconds(3));
  }

  void shortTimeout() {
    Await.result(domains.close());
    domains = new CustomDomains(vertx, network, Set.of("127.0.0.1"), SHORT, 16 * 1024);
  }

  @Test
  void an_answer_over_the_size_limit_is_refused_declared_or_streamed() {
    String big = " ".repeat(20_000) + document(sim.baseUrl());
    hostile(req -> req.response().end(big)); // with Content-Length
    assertThat(refusal()).contains("more than 16384 bytes");

    hostile(req -> req.response().setChunked(true).end(big)); // without
    assertThat(refusal()).contains("more than 16384 bytes");
  }

  // ---- helpers --------------------------------------------------------------------------------

  static Path certDir() {
    return Path.of("target", "custom-domains-test", UUID.randomUUID().toString());
  }

  /** A TLS server presenting {@code served}, whose certificate the verifier trusts as {@code trusted}. */
  void tls(SelfSignedCertificate served, SelfSignedCertificate trusted, String body) {
    HttpServer server = Await.result(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setSsl(true).setSni(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(served.certFile().toString())
                .setKeyPath(served.keyFile().toString())))
        .requestHandler(req -> {
          received.add(req);
          req.response().putHeader("Content-Type", "application/json").end(body);
        })
        .listen());
    servers.add(server);
    network.servesHttps(PUBLIC, server.actualPort(), new ClientSSLOptions()
        .setTrustOptions(new PemTrustOptions().addCertPath(trusted.certFile().toString())));
  }
}
