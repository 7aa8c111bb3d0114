package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.NativeSendmail;
import org.mailferry.testing.UserProcess;

/**
 * A wedged daemon must not hang the caller (cron, PHP's mail()): a submit socket that accepts and
 * never answers, and one whose backlog is full (nothing accepts), while both sendmail clients run
 * as root and as an unprivileged user. The message must be in the maildrop within the timeout
 * (MAILFERRY_SUBMIT_TIMEOUT=1 here) plus one JVM start, exit 0; without client timeouts each run
 * hung until killed.
 */
class SubmitTimeoutTest {
    private static final Path HOME = Path.of("").toAbsolutePath();
    private static final String MESSAGE = "Subject: wedged\n\nsent while the daemon does not answer\n";

    @TempDir
    Path dir;

    private Path spool;
    private Path config;

    private void spool() throws Exception {
        UserProcess.open(dir);
        spool = UserProcess.open(Files.createDirectories(dir.resolve("spool")));
        UserProcess.open(Files.createDirectories(spool.resolve("public")));
        UserProcess.dropBox(spool.resolve("maildrop"));
        config = Files.writeString(dir.resolve("mailferry.toml"), "[queue]\nspool = \"" + spool + "\"\n");
    }

    private static List<List<String>> clients() throws Exception {
        return List.of(List.of(NativeSendmail.binary().toString()), List.of(HOME.resolve("bin/sendmail").toString()));
    }

    /** Runs each client as each user; every message must land in the maildrop in time. */
    private List<Duration> sendAll(String situation) throws Exception {
        List<Duration> took = new ArrayList<>();
        for (UserProcess as : UserProcess.bothWith("eve")) {
            for (List<String> client : clients()) {
                long before = drops();
                as.env("MAILFERRY_SUBMIT_TIMEOUT", "1")
                        .env("MAILFERRY_CLASSPATH", HOME.resolve("target/classes").toString())
                        .env("MAILFERRY_SENDMAIL_JVM", HOME.resolve("bin/sendmail").toString());
                if (client.get(0).endsWith("bin/sendmail")) {
                    as.env("MAILFERRY_NATIVE", "off");
                }
                List<String> cmd = new ArrayList<>(client);
                cmd.addAll(List.of("-C", config.toString(), "bob@example.com")); // no -v: the native client's own path
                UserProcess.Result r = as.run(MESSAGE, 30, cmd.toArray(String[]::new));
                String what = situation + ", " + client.get(0) + " as " + as.user();
                assertThat(r.exit()).as(what + ": " + r.err()).isZero();
                assertThat(drops()).as(what + ": a new file in the maildrop").isEqualTo(before + 1);
                assertThat(r.took()).as(what).isLessThan(Duration.ofSeconds(12));
                took.add(r.took());
                as.env("MAILFERRY_NATIVE", "");
            }
        }
        return took;
    }

    private long drops() throws Exception {
        try (Stream<Path> s = Files.list(spool.resolve("maildrop"))) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }

    @Test
    void aSocketThatAcceptsAndNeverAnswersSendsTheMessageToTheMaildrop() throws Exception {
        spool();
        Path sock = spool.resolve("public/submit.sock");
        AtomicInteger accepted = new AtomicInteger();
        List<SocketChannel> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Files.setPosixFilePermissions(sock, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(server.accept()); // and never a word
                        accepted.incrementAndGet();
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            List<Duration> took = sendAll("accepts, never answers");
            assertThat(accepted.get()).as("each client tried the socket").isGreaterThanOrEqualTo(4);
            System.out.println("silent daemon: sendmail runs took " + took);
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
    }

    @Test
    void aSocketWhoseBacklogIsFullSendsTheMessageToTheMaildrop() throws Exception {
        spool();
        Path sock = spool.resolve("public/submit.sock");
        List<SocketChannel> filling = new ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock), 1);
            Files.setPosixFilePermissions(sock, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            for (int i = 0; i < 4; i++) { // nothing accepts: the backlog fills, then connect() waits
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                c.configureBlocking(false);
                try {
                    c.connect(UnixDomainSocketAddress.of(sock));
                    filling.add(c);
                } catch (java.io.IOException full) {
                    c.close();
                }
            }
            List<Duration> took = sendAll("backlog full");
            System.out.println("backlog full: sendmail runs took " + took);
        } finally {
            for (SocketChannel c : filling) {
                c.close();
            }
        }
    }
}
