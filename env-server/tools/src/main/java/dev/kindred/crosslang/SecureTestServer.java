package dev.kindred.crosslang;

import dev.kindred.cli.support.Cli;
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
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
@Command(name = "secure-test-server", mixinStandardHelpOptions = true,
    description = "A Kindred server for the clients' TLS and token tests (test use only).")
public final class SecureTestServer implements Callable<Integer> {
  @Option(names = "--self-signed", paramLabel = "DIR",
      description = "write throw-away server and client certificates into DIR and serve with the server pair")
  Path selfSigned;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "certificate chain (instead of --self-signed's)")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "PKCS#8 key of --tls-cert")
  Path tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "PEM", description = "require client certificates from these")
  Path tlsClientCa;

  @Option(names = "--token-file", paramLabel = "FILE", description = "bearer tokens (see kindred serve --help)")
  Path tokenFile;

  @Option(names = "--disconnect-grace-ms", paramLabel = "N", description = "close a gone connection's sessions after N ms")
  Long disconnectGraceMs;

  @Option(names = "--principal-quota", paramLabel = "'KEY=N ...'", description = "per-principal quota")
  String principalQuota;

  @Option(names = "--idle-timeout-s", paramLabel = "N", description = "close sessions idle for N s")
  Long idleTimeoutS;

  @Option(names = "--host", paramLabel = "ADDR", description = "address to bind (default ${DEFAULT-VALUE})")
  String host = "127.0.0.1";

  @Option(names = "--port", paramLabel = "N", description = "port; 0 picks a free one (default ${DEFAULT-VALUE})")
  int port;

  public static void main(String[] args) {
    Cli.main(new SecureTestServer(), args);
  }

  @Override
  public Integer call() throws Exception {
    ServerConfig.Builder b = ServerConfig.builder().host(host).port(port).shutdownGrace(Duration.ofSeconds(2));
    Path cert = tlsCert;
    Path key = tlsKey;
    if (selfSigned != null) {
      Files.createDirectories(selfSigned);
      selfSigned(selfSigned, "server", "localhost");
      selfSigned(selfSigned, "client", "kindred-test-client");
      if (cert == null) {
        cert = selfSigned.resolve("server.pem");
        key = selfSigned.resolve("server.key");
      }
    }
    b.tls(cert, key).tlsClientCa(tlsClientCa).tokenFile(tokenFile);
    if (disconnectGraceMs != null) {
      b.disconnectGrace(Duration.ofMillis(disconnectGraceMs));
    }
    if (principalQuota != null) {
      b.principalQuota(ServerConfig.DEFAULT_PRINCIPAL_QUOTA.with(principalQuota));
    }
    if (idleTimeoutS != null) {
      b.sessionIdleTimeout(Duration.ofSeconds(idleTimeoutS));
    }
    KindredServer server = KindredServer.start(b.build(), WorldRegistry.builtIn());
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kindred-shutdown"));
    server.blockUntilShutdown();
    return 0;
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
