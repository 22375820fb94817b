package io.flare.iem.testing;

import io.flare.iem.okta.DomainNetwork;
import io.vertx.core.Future;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The network custom URL domains are verified through, scripted: which names resolve to which
 * addresses ("login.acme-example.com resolves to 52.1.2.3"), and which local server answers a
 * connection to an address's HTTPS port (the simulator, or a small test server). Nothing reaches
 * the internet: a name not scripted does not resolve, an address not scripted is dialled on a
 * closed local port. Records every lookup and dial.
 */
public final class ScriptedDomains implements DomainNetwork {

  private final Map<String, List<InetAddress>> first = new ConcurrentHashMap<>();
  private final Map<String, List<InetAddress>> later = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();
  private final Map<InetAddress, Dial> servers = new ConcurrentHashMap<>();
  private final List<InetAddress> dialled = new CopyOnWriteArrayList<>();

  /** Every lookup of {@code host} answers {@code addresses} (IP literals). */
  public ScriptedDomains resolves(String host, String... addresses) {
    return resolves(host, literals(addresses));
  }

  /** As above, with addresses built by hand (an IPv4-mapped {@code Inet6Address}, say). */
  public ScriptedDomains resolves(String host, InetAddress... addresses) {
    first.put(host, List.of(addresses));
    later.remove(host);
    return this;
  }

  /** From the second lookup of {@code host} on, the answer is {@code addresses} (DNS rebinding). */
  public ScriptedDomains thenResolves(String host, String... addresses) {
    later.put(host, List.of(literals(addresses)));
    return this;
  }

  /** A connection to {@code address}'s HTTPS port reaches the plain-HTTP server on local {@code port}. */
  public ScriptedDomains servesHttp(String address, int port) {
    servers.put(literals(address)[0], new Dial(SocketAddress.inetSocketAddress(port, "127.0.0.1"), null));
    return this;
  }

  /** ... reaches the TLS server on local {@code port}, trusting what {@code tls} trusts. */
  public ScriptedDomains servesHttps(String address, int port, ClientSSLOptions tls) {
    servers.put(literals(address)[0], new Dial(SocketAddress.inetSocketAddress(port, "127.0.0.1"), tls));
    return this;
  }

  /** How many times {@code host} was looked up. */
  public int lookups(String host) {
    AtomicInteger n = lookups.get(host);
    return n == null ? 0 : n.get();
  }

  /** The addresses connections were opened to, in order. */
  public List<InetAddress> dialled() {
    return new ArrayList<>(dialled);
  }

  @Override
  public Future<List<InetAddress>> resolve(String host) {
    int n = lookups.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
    List<InetAddress> answer = n > 1 && later.containsKey(host) ? later.get(host) : first.get(host);
    if (answer == null) {
      return Future.failedFuture(new UnknownHostException(host));
    }
    return Future.succeededFuture(answer);
  }

  @Override
  public Dial dial(InetAddress address) {
    dialled.add(address);
    Dial server = servers.get(address);
    // nothing listens on port 1 of the loopback: refused at once, never the internet
    return server != null ? server : new Dial(SocketAddress.inetSocketAddress(1, "127.0.0.1"), new ClientSSLOptions());
  }

  private static InetAddress[] literals(String... addresses) {
    InetAddress[] out = new InetAddress[addresses.length];
    for (int i = 0; i < addresses.length; i++) {
      try {
        out[i] = InetAddress.getByName(addresses[i]); // an IP literal: no lookup
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(addresses[i], e);
      }
    }
    return out;
  }
}
