package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener's key as openssl writes it: PKCS#1 ("BEGIN RSA PRIVATE KEY") and PKCS#8. */
class ListenerTlsTest {
    @TempDir
    Path dir;

    private void openssl(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    private void certificateFor(Path key) throws Exception {
        openssl("req", "-x509", "-new", "-key", key.toString(), "-out", dir.resolve("cert.pem").toString(),
                "-days", "2", "-subj", "/CN=relay.test");
    }

    @Test
    void aPkcs1RsaKeyFromGenrsaTraditionalServesAHandshake() throws Exception {
        Path key = dir.resolve("key.pem");
        openssl("genrsa", "-traditional", "-out", key.toString(), "2048");
        assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        certificateFor(key);
        handshake(ListenerTls.load(dir.resolve("cert.pem"), key));
    }

    @Test
    void aPkcs8RsaKeyStillWorks() throws Exception {
        Path key = dir.resolve("key.pem");
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        certificateFor(key);
        handshake(ListenerTls.load(dir.resolve("cert.pem"), key));
    }

    @Test
    void aDamagedOrForeignKeyIsNamedWithTheFix() throws Exception {
        Path key = dir.resolve("key.pem");
        openssl("genrsa", "-traditional", "-out", key.toString(), "2048");
        certificateFor(key);
        Files.writeString(key, "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> ListenerTls.load(dir.resolve("cert.pem"), key))
                .hasMessageStartingWith("smtpd.tls_key: " + key + ": the BEGIN RSA PRIVATE KEY block is not a PKCS#1 RSA key");
        Files.writeString(key, "-----BEGIN DSA PRIVATE KEY-----\nMAMCAQA=\n-----END DSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> ListenerTls.load(dir.resolve("cert.pem"), key))
                .hasMessage("smtpd.tls_key: " + key + " holds no BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY block;"
                        + " convert it with: openssl pkcs8 -topk8 -nocrypt -in OLD -out " + key);
    }

    /** A real TLS handshake on loopback with the loaded identity, the client trusting only that certificate. */
    private void handshake(SSLContext server) throws Exception {
        Certificate cert;
        try (InputStream in = Files.newInputStream(dir.resolve("cert.pem"))) {
            cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("relay", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Integer> served = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    return s.getInputStream().read();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket c = (SSLSocket) client.getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                c.setSoTimeout(10_000);
                c.startHandshake();
                assertThat(c.getSession().getPeerCertificates()[0]).isEqualTo(cert);
                c.getOutputStream().write('x');
                c.getOutputStream().flush();
                assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo('x');
            }
        }
    }
}
