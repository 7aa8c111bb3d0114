package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailferry.submission.AuthRelayTest.b64;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.queue.FileSpool;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.MutableClock;

/**
 * AUTH on the listener: each failed attempt from a client (here 127.0.0.2, outside mynetworks)
 * waits longer before its 535, across connections, and is logged as Postfix logs it. The waits
 * are recorded by an injected sleeper, so the test does not wait them out.
 */
class AuthBruteForceTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final List<Duration> waits = new CopyOnWriteArrayList<>();
    private SmtpListener listener;
    private InetSocketAddress address;
    private LogCapture log;

    @BeforeEach
    void start() throws Exception {
        AuthRelayTest.certificate(dir);
        SessionSettings settings = new SessionSettings("relay.test", 1 << 20, 100, Duration.ofMinutes(1),
                Duration.ofMinutes(1), 998, ClientPolicy.of(List.of("127.0.0.1/32")), clock,
                ListenerTls.load(dir.resolve("cert.pem"), dir.resolve("key.pem")),
                Users.load(AuthRelayTest.usersFile(dir, "rw-------")), 10);
        AuthFailures failures = new AuthFailures(Duration.ofSeconds(1), clock, waits::add);
        listener = new SmtpListener(settings, new ConnectionSlots(10, 1), failures,
                new FileSpool(dir.resolve("spool"), clock), env -> { });
        address = listener.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        log = new LogCapture("mailferry.smtpd");
    }

    @AfterEach
    void stop() {
        log.close();
        listener.close();
    }

    private AuthRelayTest.Client tlsClient() throws Exception {
        AuthRelayTest.Client c = new AuthRelayTest.Client(address);
        c.send("EHLO outside.test");
        c.startTls();
        c.send("EHLO outside.test");
        return c;
    }

    private static void failLogin(AuthRelayTest.Client c) throws Exception {
        assertThat(c.send("AUTH LOGIN " + b64("alice")).lines()).containsExactly("UGFzc3dvcmQ6");
        assertThat(c.send(b64(AuthRelayTest.WRONG)).oneLine()).startsWith("535 5.7.8");
    }

    private List<String> failureLines() {
        return log.lines().stream().filter(l -> l.startsWith("NOQUEUE: reject: AUTH from [127.0.0.2]")).toList();
    }

    @Test
    void eachFailureFromAClientWaitsTwiceAsLongAcrossConnectionsAndIsLogged() throws Exception {
        try (AuthRelayTest.Client c = tlsClient()) {
            for (int i = 0; i < 3; i++) {
                failLogin(c);
            }
        }
        try (AuthRelayTest.Client c = tlsClient()) { // a new connection does not start over
            failLogin(c);
            assertThat(c.send("AUTH PLAIN " + b64("\0alice\0" + AuthRelayTest.WRONG)).oneLine()).startsWith("535 5.7.8");
            for (int i = 0; i < 3; i++) {
                failLogin(c);
            }
        }
        assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(8), Duration.ofSeconds(16), Duration.ofSeconds(32), Duration.ofSeconds(32),
                Duration.ofSeconds(32));
        System.out.println("AUTH brute force: 8 guesses from one client cost " + waits.stream()
                .mapToLong(Duration::toSeconds).sum() + " s of waiting (delay 1 s)");
        List<String> lines = failureLines();
        assertThat(lines).hasSize(8);
        assertThat(lines.get(0)).isEqualTo("NOQUEUE: reject: AUTH from [127.0.0.2]: 535 5.7.8 SASL LOGIN "
                + "authentication failed; failure 1 from this client, reply delayed 1000 ms");
        assertThat(lines.get(4)).contains("SASL PLAIN authentication failed; failure 5 from this client");
        AuthRelayTest.assertNoSecret(String.join("\n", log.lines()));
    }

    @Test
    void aSuccessOrAnHourWithoutFailuresForgetsTheClient() throws Exception {
        try (AuthRelayTest.Client c = tlsClient()) {
            failLogin(c);
            failLogin(c);
            assertThat(c.send("AUTH PLAIN " + b64("\0alice\0" + AuthRelayTest.PASSWORD)).oneLine())
                    .startsWith("235 2.7.0");
        }
        try (AuthRelayTest.Client c = tlsClient()) {
            failLogin(c);
            failLogin(c);
            clock.advance(Duration.ofMinutes(61));
            failLogin(c);
        }
        assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(1),
                Duration.ofSeconds(2), Duration.ofSeconds(1));
    }

    @Test
    void clientsAreCountedApartAndIpv6ByTheir64() throws Exception {
        AuthFailures f = new AuthFailures(Duration.ofMillis(500), clock, waits::add);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertThat(f.failed(a).delay()).isEqualTo(Duration.ofMillis(500));
        assertThat(f.failed(a).delay()).isEqualTo(Duration.ofMillis(1000));
        assertThat(f.failed(b).delay()).isEqualTo(Duration.ofMillis(500));
        assertThat(f.failed(InetAddress.getByName("2001:db8::1")).count()).isEqualTo(1);
        assertThat(f.failed(InetAddress.getByName("2001:db8::ffff:2")).count()).as("same /64").isEqualTo(2);
        assertThat(f.failed(InetAddress.getByName("2001:db8:0:1::1")).count()).as("another /64").isEqualTo(1);
        AuthFailures off = new AuthFailures(Duration.ZERO, clock, waits::add);
        off.pause(off.failed(a));
        assertThat(waits).isEmpty();
    }
}
