package io.flare.iem.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1} (or for one DNS name), made
 * by the JDK's own {@code keytool} (no extra library, nothing checked in) and written as the PEM pair
 * a Kubernetes TLS Secret holds: {@code tls.crt} and a PKCS#8 {@code tls.key}.
 */
public record SelfSignedCertificate(Path certFile, Path keyFile) {

  private static final char[] STORE_PASSWORD = "test-only".toCharArray();

  public static SelfSignedCertificate create(Path dir) throws Exception {
    return create(dir, "localhost", "dns:localhost,ip:127.0.0.1");
  }

  /** A self-signed certificate for the DNS name {@code host} only. */
  public static SelfSignedCertificate forHost(Path dir, String host) throws Exception {
    return create(dir, host, "dns:" + host);
  }

  private static SelfSignedCertificate create(Path dir, String commonName, String subjectAltNames) throws Exception {
    Files.createDirectories(dir);
    Path store = dir.resolve("tls.p12");
    Files.deleteIfExists(store);
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "tls",
        "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=" + commonName,
        "-ext", "SAN=" + subjectAltNames, "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", new String(STORE_PASSWORD)))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("keytool.log").toFile())
        .start();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("keytool failed; see " + dir.resolve("keytool.log"));
    }
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keyStore.load(in, STORE_PASSWORD);
    }
    Certificate cert = keyStore.getCertificate("tls");
    PrivateKey key = (PrivateKey) keyStore.getKey("tls", STORE_PASSWORD);
    SelfSignedCertificate pem = new SelfSignedCertificate(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    Files.writeString(pem.certFile(), pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(pem.keyFile(), pem("PRIVATE KEY", key.getEncoded()));
    return pem;
  }

  private static String pem(String type, byte[] der) throws IOException {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
