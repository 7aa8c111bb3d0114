package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.cli.QueueListing;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.smtp.Reply;
import org.mailferry.smtp.ReplyReader;
import org.mailferry.smtp.SmtpInput;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;

/**
 * Not an open relay: a client outside smtpd.mynetworks (127.0.0.2, with mynetworks =
 * 127.0.0.1/32) is refused at RCPT until it authenticates, and AUTH is only offered after
 * STARTTLS. The test password never shows in logs, mailq, events or replies.
 */
class AuthRelayTest {
    static final String PASSWORD = "Tr0ub4dor&3-test-only";
    static final String WRONG = "wrong-Pa55word-test";

    @TempDir
    Path dir;
    private TestSmarthost smarthost;
    private RelayFixture relay;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    static Path certificate(Path dir) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir.resolve("key.pem").toString(), "-out",
                dir.resolve("cert.pem").toString(), "-days", "2", "-subj", "/CN=relay.test")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        return dir;
    }

    static Path usersFile(Path dir, String perms) throws IOException {
        Path users = dir.resolve("users");
        Files.writeString(users, "# test users\nalice:" + PasswordHash.create(PASSWORD.toCharArray(), 1000).format()
                + "\n");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString(perms));
        return users;
    }

    @BeforeEach
    void start() throws Exception {
        savedOut = System.out;
        savedErr = System.err;
        PrintStream tee = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(tee);
        System.setErr(tee);
        certificate(dir);
        smarthost = new TestSmarthost();
        relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port())
                .set("smtpd.mynetworks", "127.0.0.1/32")
                .set("smtpd.tls_cert", dir.resolve("cert.pem").toString())
                .set("smtpd.tls_key", dir.resolve("key.pem").toString())
                .set("smtpd.users", usersFile(dir, "rw-------").toString())
                .set("smtpd.auth_failure_delay", "100ms") // the doubling itself: AuthBruteForceTest
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        smarthost.close();
        System.setOut(savedOut);
        System.setErr(savedErr);
        String all = captured.toString(StandardCharsets.UTF_8);
        savedOut.print(all);
        assertNoSecret(all);
    }

    static void assertNoSecret(String text) {
        for (String secret : List.of(PASSWORD, WRONG)) {
            assertThat(text).doesNotContain(secret)
                    .doesNotContain(b64("\0alice\0" + secret))
                    .doesNotContain(b64(secret));
        }
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A raw client from 127.0.0.2 that can switch to TLS (trusting any certificate: a test). */
    static final class Client implements AutoCloseable {
        private Socket socket;
        private SmtpInput in;
        private OutputStream out;

        Client(InetSocketAddress relay) throws IOException {
            socket = new Socket();
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            socket.connect(relay, 5000);
            socket.setSoTimeout(10_000);
            in = new SmtpInput(socket.getInputStream());
            out = socket.getOutputStream();
            assertThat(reply().code()).isEqualTo(220);
        }

        Reply send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply();
        }

        Reply reply() throws IOException {
            return ReplyReader.read(in, true);
        }

        void startTls() throws Exception {
            assertThat(send("STARTTLS").oneLine()).startsWith("220 2.0.0");
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(socket, "relay.test", socket.getPort(), true);
            tls.startHandshake();
            socket = tls;
            in = new SmtpInput(tls.getInputStream());
            out = new BufferedOutputStream(tls.getOutputStream());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void outsideClientWithoutAuthIsRefusedAtRcpt() throws Exception {
        try (Client c = new Client(relay.address())) {
            Reply ehlo = c.send("EHLO outside.test");
            assertThat(ehlo.lines()).contains("STARTTLS").noneMatch(l -> l.startsWith("AUTH"));
            assertThat(c.send("MAIL FROM:<a@outside.test>").code()).isEqualTo(250);
            assertThat(c.send("RCPT TO:<victim@dest.test>").oneLine()).startsWith("554 5.7.1");
        }
    }

    @Test
    void authWithoutTlsIsRefused() throws Exception {
        try (Client c = new Client(relay.address())) {
            c.send("EHLO outside.test");
            assertThat(c.send("AUTH PLAIN " + b64("\0alice\0" + PASSWORD)).oneLine()).startsWith("538 5.7.11");
            c.send("MAIL FROM:<a@outside.test>");
            assertThat(c.send("RCPT TO:<victim@dest.test>").oneLine()).startsWith("554 5.7.1");
        }
    }

    @Test
    void authPlainOverStartTlsRelays() throws Exception {
        try (Client c = new Client(relay.address())) {
            c.send("EHLO outside.test");
            c.startTls();
            Reply ehlo = c.send("EHLO outside.test");
            assertThat(ehlo.lines()).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            c.send("MAIL FROM:<a@outside.test>");
            assertThat(c.send("RCPT TO:<friend@dest.test>").oneLine()).as("not before AUTH").startsWith("554 5.7.1");
            c.send("RSET");
            assertThat(c.send("AUTH PLAIN " + b64("\0alice\0" + PASSWORD)).oneLine()).startsWith("235 2.7.0");
            assertThat(c.send("MAIL FROM:<a@outside.test>").code()).isEqualTo(250);
            assertThat(c.send("RCPT TO:<friend@dest.test>").code()).isEqualTo(250);
            assertThat(c.send("DATA").code()).isEqualTo(354);
            assertThat(c.send("Subject: authed\r\n\r\nhi\r\n.").code()).isEqualTo(250);
            c.send("QUIT");
        }
        TestSmarthost.Received got = smarthost.take(10, TimeUnit.SECONDS);
        assertThat(got).isNotNull();
        assertThat(got.text()).contains("with ESMTPSA");
        relay.await(DeliveryEvent.Delivered.class, null, 10, TimeUnit.SECONDS);
    }

    @Test
    void authLoginWorksAndWrongPasswordsFail() throws Exception {
        try (Client c = new Client(relay.address())) {
            c.send("EHLO outside.test");
            c.startTls();
            c.send("EHLO outside.test");
            assertThat(c.send("AUTH PLAIN " + b64("\0alice\0" + WRONG)).oneLine()).startsWith("535 5.7.8");
            assertThat(c.send("AUTH LOGIN").lines()).containsExactly("VXNlcm5hbWU6");
            assertThat(c.send(b64("nobody")).lines()).containsExactly("UGFzc3dvcmQ6");
            assertThat(c.send(b64(PASSWORD)).oneLine()).as("right password, unknown user").startsWith("535 5.7.8");
            assertThat(c.send("AUTH PLAIN").code()).isEqualTo(334);
            assertThat(c.send("*").oneLine()).startsWith("501");
            assertThat(c.send("AUTH LOGIN " + b64("alice")).lines()).containsExactly("UGFzc3dvcmQ6");
            assertThat(c.send(b64(PASSWORD)).oneLine()).startsWith("235 2.7.0");
            assertThat(c.send("AUTH LOGIN").oneLine()).startsWith("503");
        }
        // mailq and the listing of a queued message carry no secret either
        ByteArrayOutputStream mailq = new ByteArrayOutputStream();
        QueueListing.print(relay.relay().spool(), new PrintStream(mailq, true, StandardCharsets.UTF_8), ZoneOffset.UTC);
        assertNoSecret(mailq.toString(StandardCharsets.UTF_8));
        assertNoSecret(relay.events.toString());
    }

    @Test
    void usersFileReadableByOthersIsRefusedAtStart() throws Exception {
        Path users = usersFile(dir, "rw-r--r--");
        RelayFixture bad = new RelayFixture(dir.resolve("spool2"))
                .set("smtpd.tls_cert", dir.resolve("cert.pem").toString())
                .set("smtpd.tls_key", dir.resolve("key.pem").toString())
                .set("smtpd.users", users.toString());
        assertThatThrownBy(bad::start).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(users.toString())
                .hasMessageContaining("rw-r--r--")
                .hasMessageContaining("chmod 600 " + users)
                .hasMessageNotContaining("\n");
    }
}
