package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailferry.submission.AuthRelayTest.b64;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.queue.FileSpool;
import org.mailferry.smtp.ReplyReader;
import org.mailferry.smtp.SmtpInput;
import org.mailferry.testing.MutableClock;

/**
 * Outsiders looping AUTH with wrong passwords (real PBKDF2 at the default iteration count) while a
 * client in mynetworks sends messages: the hashing runs on {@link PasswordChecks}' one platform
 * thread, so the sessions' carriers stay free and the local client's messages go through quickly.
 * Before, each check held a carrier for ~0.65 s and the local client's replies waited behind them.
 */
class AuthStarvationTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final PasswordChecks checks = new PasswordChecks(PasswordChecks.THREADS, PasswordChecks.QUEUE);
    private SmtpListener listener;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        AuthRelayTest.certificate(dir);
        Path users = dir.resolve("users");
        Files.writeString(users, "alice:" + PasswordHash.create(AuthRelayTest.PASSWORD.toCharArray(),
                PasswordHash.DEFAULT_ITERATIONS).format() + "\n");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-------"));
        SessionSettings settings = new SessionSettings("relay.test", 1 << 20, 100, Duration.ofMinutes(1),
                Duration.ofMinutes(1), 998, ClientPolicy.of(List.of("127.0.0.1/32")), clock,
                ListenerTls.load(dir.resolve("cert.pem"), dir.resolve("key.pem")), Users.load(users), 20);
        // failures are not delayed here (the sleeper records nothing): the attackers loop as fast as they can
        AuthFailures failures = new AuthFailures(Duration.ofSeconds(1), clock, d -> { });
        listener = new SmtpListener(settings, new ConnectionSlots(50, 5), failures,
                new FileSpool(dir.resolve("spool"), clock), env -> { }).checkPasswordsOn(checks);
        address = listener.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() {
        listener.close();
        checks.close();
    }

    @Test
    void aMynetworksClientKeepsSendingWhileOutsidersLoopAuth() throws Exception {
        long t0 = System.nanoTime();
        Users.load(dir.resolve("users")).verify("alice", AuthRelayTest.WRONG.toCharArray());
        long hashMs = (System.nanoTime() - t0) / 1_000_000; // one check's cost on this machine
        List<Long> quiet = sendMessages(3);
        int attackers = 4 * Runtime.getRuntime().availableProcessors(); // well more than there are carriers
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger rejected = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        CountDownLatch hashing = new CountDownLatch(attackers);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < attackers; i++) {
            threads.add(Thread.ofPlatform().daemon().start(() -> attack(stop, rejected, busy, hashing)));
        }
        List<Long> attacked;
        try {
            assertThat(hashing.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            attacked = sendMessages(10);
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
        long quietMedian = median(quiet);
        long attackedMedian = median(attacked);
        long attackedMax = Collections.max(attacked);
        System.out.printf("AUTH flood: %d attackers, %d rejected (535), %d refused busy (454); local message "
                + "median %d ms quiet, %d ms under the flood (max %d ms); one check %d ms%n", attackers, rejected.get(), busy.get(),
                quietMedian, attackedMedian, attackedMax, hashMs);
        assertThat(rejected.get()).as("the attack really hashed passwords").isGreaterThan(0);
        // A message is six replies; on the carriers each waited behind the queued checks: about
        // 6 x (attackers / carriers) x one check per message before the fix (24 checks' time on 2
        // cores). The bound is relative to this run's own figures and far below that: three times
        // the quiet median (the hashing thread takes one of the cores) plus two checks' time.
        assertThat(attackedMedian).as("median ms per local message under the AUTH flood")
                .isLessThan(3 * quietMedian + 2 * Math.max(50, hashMs));
        assertThat(attackedMax).as("slowest local message under the AUTH flood, ms").isLessThan(2000 + 4 * hashMs);
    }

    /** Loops AUTH with a wrong password, reconnecting when the session ends it (too many errors). */
    private void attack(AtomicBoolean stop, AtomicInteger rejected, AtomicInteger busy, CountDownLatch started) {
        boolean first = true;
        while (!stop.get()) {
            try (AuthRelayTest.Client c = new AuthRelayTest.Client(address)) {
                c.send("EHLO outside.test");
                c.startTls();
                c.send("EHLO outside.test");
                while (!stop.get()) {
                    String r = c.send("AUTH PLAIN " + b64("\0alice\0" + AuthRelayTest.WRONG)).oneLine();
                    if (r.startsWith("535 5.7.8")) {
                        rejected.incrementAndGet();
                    } else if (r.startsWith("454 4.7.0")) {
                        busy.incrementAndGet();
                    } else {
                        break; // closed by the session: connect again
                    }
                    if (first) {
                        started.countDown();
                        first = false;
                    }
                }
            } catch (Exception e) {
                // the session closed the connection: connect again
            }
        }
    }

    /** Sends {@code n} messages from 127.0.0.1 (mynetworks), one connection each; returns ms per message. */
    private List<Long> sendMessages(int n) throws IOException {
        List<Long> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                s.connect(address, 5000);
                s.setSoTimeout(30_000);
                SmtpInput in = new SmtpInput(s.getInputStream());
                OutputStream out = s.getOutputStream();
                expect(in, 220);
                for (String[] step : new String[][] {{"EHLO app.test", "250"}, {"MAIL FROM:<app@example.com>", "250"},
                        {"RCPT TO:<user@example.org>", "250"}, {"DATA", "354"},
                        {"Subject: " + i + "\r\n\r\nbody\r\n.", "250"}, {"QUIT", "221"}}) {
                    out.write((step[0] + "\r\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    expect(in, Integer.parseInt(step[1]));
                }
            }
            ms.add((System.nanoTime() - t0) / 1_000_000);
        }
        return ms;
    }

    private static void expect(SmtpInput in, int code) throws IOException {
        assertThat(ReplyReader.read(in, true).code()).isEqualTo(code);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    @Test
    void aFullQueueIsRefusedAtOnce() throws Exception {
        Users users = Users.load(dir.resolve("users"));
        try (PasswordChecks small = new PasswordChecks(1, 1)) {
            List<PasswordChecks.Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    outcomes.add(small.verify(users, "alice", AuthRelayTest.WRONG.toCharArray()));
                }));
            }
            go.countDown();
            for (Thread t : threads) {
                t.join(30_000);
            }
            assertThat(outcomes).hasSize(4).contains(PasswordChecks.Outcome.BUSY, PasswordChecks.Outcome.NO_MATCH)
                    .doesNotContain(PasswordChecks.Outcome.MATCH);
        }
        assertThat(Replies.AUTH_BUSY.wire()).asString(StandardCharsets.US_ASCII)
                .isEqualTo("454 4.7.0 Temporary authentication failure\r\n");
    }
}
