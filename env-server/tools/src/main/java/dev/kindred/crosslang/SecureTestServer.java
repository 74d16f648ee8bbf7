package dev.kindred.crosslang;

import dev.kindred.env.WorldRegistry;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Kindred server with TLS, tokens and a short disconnect grace, for the Python and Go clients'
 * tests of those features. <strong>For tests only</strong>: it takes the settings that
 * {@code kindred serve} will take as flags, and can make its own throw-away certificates.
 *
 * <pre>
 * java -cp kindred-server.jar dev.kindred.crosslang.SecureTestServer \
 *     [--self-signed DIR] [--tls-cert PEM --tls-key PEM] [--tls-client-ca PEM] [--token-file FILE] \
 *     [--disconnect-grace-ms N] [--principal-quota "sessions=N ..."] [--host 127.0.0.1] [--port 0]
 * </pre>
 *
 * {@code --self-signed DIR} first writes {@code DIR/server.pem} and {@code DIR/server.key} (CN
 * localhost, valid for localhost and 127.0.0.1, its own authority) and {@code DIR/client.pem} and
 * {@code DIR/client.key} (CN kindred-test-client), made with the JDK's keytool, and serves TLS
 * with the server pair unless {@code --tls-cert} says otherwise. Like {@code kindred serve} it
 * logs {@code listening on HOST:PORT} and stops gracefully on SIGTERM.
 */
public final class SecureTestServer {
  private SecureTestServer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --flag value pairs, got '" + args[i] + "'");
      }
      a.put(args[i].substring(2), args[i + 1]);
    }
    if (args.length % 2 != 0) {
      throw new IllegalArgumentException("flag " + args[args.length - 1] + " needs a value");
    }
    ServerConfig.Builder b = ServerConfig.builder()
        .host(a.getOrDefault("host", "127.0.0.1"))
        .port(Integer.parseInt(a.getOrDefault("port", "0")))
        .shutdownGrace(Duration.ofSeconds(2));
    Path cert = path(a.get("tls-cert"));
    Path key = path(a.get("tls-key"));
    if (a.containsKey("self-signed")) {
      Path dir = Path.of(a.get("self-signed"));
      Files.createDirectories(dir);
      selfSigned(dir, "server", "localhost");
      selfSigned(dir, "client", "kindred-test-client");
      if (cert == null) {
        cert = dir.resolve("server.pem");
        key = dir.resolve("server.key");
      }
    }
    b.tls(cert, key).tlsClientCa(path(a.get("tls-client-ca"))).tokenFile(path(a.get("token-file")));
    if (a.containsKey("disconnect-grace-ms")) {
      b.disconnectGrace(Duration.ofMillis(Long.parseLong(a.get("disconnect-grace-ms"))));
    }
    if (a.containsKey("principal-quota")) {
      b.principalQuota(ServerConfig.DEFAULT_PRINCIPAL_QUOTA.with(a.get("principal-quota")));
    }
    if (a.containsKey("idle-timeout-s")) {
      b.sessionIdleTimeout(Duration.ofSeconds(Long.parseLong(a.get("idle-timeout-s"))));
    }
    KindredServer server = KindredServer.start(b.build(), WorldRegistry.builtIn());
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kindred-shutdown"));
    server.blockUntilShutdown();
  }

  private static Path path(String s) {
    return s == null ? null : Path.of(s);
  }

  /**
   * Writes {@code DIR/<name>.pem} (a self-signed EC P-256 certificate, subject CN=commonName,
   * for localhost and 127.0.0.1, a CA so that it can be its own root) and {@code DIR/<name>.key}
   * (its PKCS#8 key), made with the JDK's keytool.
   */
  static void selfSigned(Path dir, String name, String commonName)
      throws IOException, InterruptedException, GeneralSecurityException {
    Path store = dir.resolve(name + ".p12");
    String password = "test-only";
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Files.deleteIfExists(store);
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "k", "-keyalg", "EC",
        "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-dname", "CN=" + commonName,
        "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-ext", "BC:c=ca:true", "-validity", "2",
        "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", password, "-keypass", password)
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + output);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, password.toCharArray());
    }
    PrivateKey privateKey = (PrivateKey) ks.getKey("k", password.toCharArray());
    pem(dir.resolve(name + ".pem"), "CERTIFICATE", ks.getCertificate("k").getEncoded());
    pem(dir.resolve(name + ".key"), "PRIVATE KEY", privateKey.getEncoded());
    Files.delete(store);
  }

  private static void pem(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    Files.write(file, List.of("-----BEGIN " + type + "-----", body, "-----END " + type + "-----"));
  }
}
