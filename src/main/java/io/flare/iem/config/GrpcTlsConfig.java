package io.flare.iem.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS for the gRPC port: a PEM certificate chain and its PEM private key (h2 negotiated by ALPN).
 * Absent means plaintext h2c, for meshes that terminate TLS in a sidecar.
 */
public record GrpcTlsConfig(Path certFile, Path keyFile) {

  /** Reads {@code IEM_GRPC_TLS_CERT_FILE} and {@code IEM_GRPC_TLS_KEY_FILE}: both or neither. */
  static Optional<GrpcTlsConfig> parse(AppConfig.Parser p) {
    Optional<String> cert = p.optional("IEM_GRPC_TLS_CERT_FILE");
    Optional<String> key = p.optional("IEM_GRPC_TLS_KEY_FILE");
    if (cert.isPresent() != key.isPresent()) {
      p.problem("IEM_GRPC_TLS_CERT_FILE and IEM_GRPC_TLS_KEY_FILE go together: set both for TLS, or neither for"
          + " plaintext h2c");
      return Optional.empty();
    }
    return cert.map(c -> new GrpcTlsConfig(Path.of(c), Path.of(key.get())));
  }
}
