package io.flare.iem.okta;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The network a custom URL domain is verified through ({@link CustomDomains}): how its name
 * resolves, and how a connection to one address that was checked is opened. Production
 * ({@link #system}) asks the system resolver and connects to port 443 over TLS, trusting the JVM's
 * certificate authorities; tests substitute one that scripts both.
 */
public interface DomainNetwork {

  /** Every address (A and AAAA) of {@code host}, a fully qualified name. */
  Future<List<InetAddress>> resolve(String host);

  /** How to reach the HTTPS port of {@code address}, an address of the domain that was checked. */
  Dial dial(InetAddress address);

  /**
   * Where a connection goes and its TLS (the host name is always verified against the domain
   * typed). {@code tls} null means plain HTTP, which only a test's network says.
   */
  record Dial(SocketAddress socket, ClientSSLOptions tls) {}

  /** The system resolver and HTTPS on port 443 with the JVM's trusted CAs. */
  static DomainNetwork system(Vertx vertx) {
    ClientSSLOptions tls = new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS"); // the JVM's CAs
    // lookups block a thread until the resolver gives up: a few threads of their own, so slow or
    // hostile names can never take the shared worker pool
    WorkerExecutor lookups = vertx.createSharedWorkerExecutor("iem-custom-domain-dns", 4);
    return new DomainNetwork() {
      @Override
      public Future<List<InetAddress>> resolve(String host) {
        // the trailing dot makes the name absolute: the resolver appends no search domain (a
        // cluster's resolv.conf would otherwise turn "db.internal" into a service of ours)
        return lookups.executeBlocking(() -> List.of(InetAddress.getAllByName(host + ".")), false);
      }

      @Override
      public Dial dial(InetAddress address) {
        return new Dial(SocketAddress.inetSocketAddress(new InetSocketAddress(address, 443)), tls);
      }
    };
  }
}
