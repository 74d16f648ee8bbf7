package dev.kindred.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates made at test time with the JDK's own {@code keytool} (no key is ever
 * committed, no extra library): an EC P-256 key and a certificate for {@code localhost} and
 * {@code 127.0.0.1} that is its own authority, written as PEM (certificate) and PKCS#8 PEM (key).
 */
final class TestCertificates {
  private TestCertificates() {}

  /** A certificate and its key, as PEM files. */
  record Pem(Path cert, Path key) {}

  /** A certificate with subject {@code CN=<commonName>} valid for localhost and 127.0.0.1, in {@code dir}. */
  static Pem selfSigned(Path dir, String commonName) throws IOException, InterruptedException, GeneralSecurityException {
    Path store = dir.resolve(commonName + ".p12");
    char[] password = "test-only".toCharArray();
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "k", "-keyalg", "EC",
        "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-dname", "CN=" + commonName,
        "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-ext", "BC:c=ca:true", "-validity", "2",
        "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", new String(password),
        "-keypass", new String(password)).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + output);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, password);
    }
    PrivateKey key = (PrivateKey) ks.getKey("k", password);
    Certificate cert = ks.getCertificate("k");
    Pem pem = new Pem(dir.resolve(commonName + ".pem"), dir.resolve(commonName + ".key"));
    write(pem.cert(), "CERTIFICATE", cert.getEncoded());
    write(pem.key(), "PRIVATE KEY", key.getEncoded()); // PKCS#8
    Files.delete(store);
    return pem;
  }

  private static void write(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    Files.write(file, List.of("-----BEGIN " + type + "-----", body, "-----END " + type + "-----"));
  }
}
