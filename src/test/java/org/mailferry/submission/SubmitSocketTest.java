package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigLoader;
import org.mailferry.queue.JournalSpool;
import org.mailferry.queue.QueueAccess;
import org.mailferry.testing.LocalUser;
import org.mailferry.testing.LogCapture;

class SubmitSocketTest {
    @TempDir
    Path dir;

    private static LocalSubmission local(JournalSpool spool) throws Exception {
        return new LocalSubmission(
                SessionSettings.from(ConfigLoader.load(null, java.util.Map.of()).smtpd(), Clock.systemUTC()), spool,
                env -> { });
    }

    @Test
    @org.junit.jupiter.api.Timeout(20) // without the deadline the read below would wait forever
    void aRequestThatNeverEndsIsClosedAtTheDeadlineAndOthersAreServed() throws Exception {
        JournalSpool spool = new JournalSpool(dir.resolve("spool"), Clock.systemUTC(), 0);
        LocalSubmission local = local(spool);
        Path path = SubmitSocket.pathIn(dir.resolve("spool"));
        try (SubmitSocket socket = SubmitSocket.start(path, local, out -> out.print("listing\n"), () -> 0,
                () -> "ok reloaded",
                (r, u, q) -> new SendRequest.Jvm("unused"), new Config.Sendmail(null, "origin.test", 50, 10, Duration.ofMillis(300)),
                new org.mailferry.queue.QueueAccess("root", "", java.util.List.of("anyone")))) {
            try (SocketChannel idle = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                idle.write(java.nio.ByteBuffer.wrap("SUBMIT\nmailferry-drop 1\n".getBytes(StandardCharsets.US_ASCII)));
                long t0 = System.nanoTime();
                InputStream in = Channels.newInputStream(idle);
                assertThat(in.read()).as("the daemon closed the connection").isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            }
            try (SocketChannel list = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                list.write(java.nio.ByteBuffer.wrap("LIST\n".getBytes(StandardCharsets.US_ASCII)));
                assertThat(new String(Channels.newInputStream(list).readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("listing\n");
            }
        }
        spool.close();
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aUsersConnectionsBeyondTheLimitGetATemporaryErrorAtOnceAndAreLoggedOnce() throws Exception {
        JournalSpool spool = new JournalSpool(dir.resolve("spool"), Clock.systemUTC(), 0);
        LocalSubmission local = local(spool);
        Path path = SubmitSocket.pathIn(dir.resolve("spool"));
        String user = System.getProperty("user.name");
        try (org.mailferry.testing.LogCapture log = new org.mailferry.testing.LogCapture("mailferry.submit");
             SubmitSocket socket = SubmitSocket.start(path, local, out -> out.print("listing\n"), () -> 0,
                () -> "ok reloaded",
                     (r, u, q) -> new SendRequest.Jvm("unused"), new Config.Sendmail(null, "origin.test", 50, 2, Duration.ofMinutes(10)),
                     new org.mailferry.queue.QueueAccess("root", "", java.util.List.of("anyone")))) {
            java.util.List<SocketChannel> idle = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                idle.add(SocketChannel.open(UnixDomainSocketAddress.of(path)));
            }
            while (socket.connections() < 2) {
                Thread.sleep(5);
            }
            for (int i = 0; i < 3; i++) {
                try (SocketChannel more = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                    assertThat(new String(Channels.newInputStream(more).readAllBytes(), StandardCharsets.US_ASCII))
                            .isEqualTo("temp too many connections from local user " + user
                                    + " (sendmail.max_connections_per_user 2); try again later\n");
                }
            }
            assertThat(log.lines()).filteredOn(l -> l.contains("refused")).containsExactly(
                    "sendmail submission refused (temporary): too many connections from local user " + user
                            + " (sendmail.max_connections_per_user 2); 1 refused from " + user + " in the last 10 s");
            idle.remove(0).close();
            while (socket.connections() > 1) {
                Thread.sleep(5);
            }
            try (SocketChannel list = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                list.write(java.nio.ByteBuffer.wrap("LIST\n".getBytes(StandardCharsets.US_ASCII)));
                assertThat(new String(Channels.newInputStream(list).readAllBytes(), StandardCharsets.UTF_8))
                        .as("a slot given back is taken again").isEqualTo("listing\n");
            }
            for (SocketChannel c : idle) {
                c.close();
            }
        }
        spool.close();
    }

    /**
     * RELOAD over the real socket, from {@code mailferry reload} run as three local users (runuser):
     * eve is refused (exit 77, the reason, one log line) and the daemon's reload is not called; the
     * service user (the spool's owner, here mfservice) and root are accepted (exit 0, the daemon's
     * line printed, "reload asked by local user NAME" logged); a reload the daemon refuses is exit 78.
     */
    @Test
    void reloadIsTakenFromTheServiceUserAndRootOnly() throws Exception {
        LocalUser eve = LocalUser.require("eve");
        LocalUser service = LocalUser.require("mfservice");
        LocalUser root = LocalUser.require("root");
        LocalUser.openPath(dir);
        Path spoolDir = dir.resolve("spool");
        JournalSpool spool = new JournalSpool(spoolDir, Clock.systemUTC(), 0);
        Path path = SubmitSocket.pathIn(spoolDir);
        java.util.concurrent.atomic.AtomicInteger reloads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> answer = new java.util.concurrent.atomic.AtomicReference<>(
                "ok configuration reloaded (test)");
        try (LogCapture log = new LogCapture("mailferry.submit");
             SubmitSocket socket = SubmitSocket.start(path, local(spool), out -> out.print("listing\n"), () -> 0,
                     () -> {
                         reloads.incrementAndGet();
                         return answer.get();
                     }, (r, u, q) -> new SendRequest.Jvm("unused"),
                     new Config.Sendmail(null, "origin.test", 50, 10, Duration.ofMinutes(1)),
                     new QueueAccess("mfservice", "", List.of("anyone")))) {
            List<String> reload = List.of("reload", "--spool=" + spoolDir);
            LocalUser.Result refused = eve.mailferry(reload);
            assertThat(refused.exit()).as(refused.all()).isEqualTo(77);
            assertThat(refused.err()).isEqualTo("mailferry: reload: only root, the service user mfservice may reload "
                    + "the configuration; you are eve\n");
            assertThat(reloads.get()).isZero();
            assertThat(log.lines()).filteredOn(l -> l.contains("reload")).containsExactly(
                    "local user eve may not reload the configuration: refused");

            for (LocalUser operator : List.of(service, root)) {
                LocalUser.Result done = operator.mailferry(reload);
                assertThat(done.exit()).as(operator.name() + ": " + done.all()).isZero();
                assertThat(done.out()).isEqualTo("mailferry: configuration reloaded (test)\n");
            }
            assertThat(reloads.get()).isEqualTo(2);
            assertThat(log.lines()).filteredOn(l -> l.contains("reload")).containsExactly(
                    "local user eve may not reload the configuration: refused",
                    "reload asked by local user mfservice", "reload asked by local user root");

            answer.set("fail reload refused: mailferry.toml:3: bad; still running on the previous configuration");
            LocalUser.Result bad = service.mailferry(reload);
            assertThat(bad.exit()).as(bad.all()).isEqualTo(78);
            assertThat(bad.err()).isEqualTo("mailferry: reload refused: mailferry.toml:3: bad; still running on the "
                    + "previous configuration\n");
        }
        spool.close();
    }

    @Test
    void theTotalLimitSparesRootAndEachUserIsCountedApart() {
        SubmitSlots slots = new SubmitSlots(2, 2, System::nanoTime);
        assertThat(slots.take("eve")).isNull();
        assertThat(slots.take("bob")).isNull();
        assertThat(slots.take("mallory")).isEqualTo("too many connections (sendmail.max_connections 2)");
        assertThat(slots.take("root")).as("root keeps its slots when others hold the rest").isNull();
        assertThat(slots.take("root")).isNull();
        assertThat(slots.take("root")).contains("sendmail.max_connections_per_user 2");
        slots.give("eve");
        assertThat(slots.take("mallory")).isNull();
        assertThat(slots.held()).isEqualTo(4);
    }
}
