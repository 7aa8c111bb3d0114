package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.CheckoutCopy;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.UserProcess;

/**
 * Issue 14, item 5: a checkout's bin/sendmail, run without -C by root (and by eve) in eve's
 * directory, where eve made ./var/spool/public/submit.sock and listens on it as a daemon would
 * ("ok", "exit 0": message taken). Both clients must use the checkout's own spool (var/spool beside
 * target/), never the working directory's: eve's socket sees no connection and the checkout's
 * daemon delivers the message. Before, both clients used ./var/spool: exit 0, message eve's.
 */
class CheckoutSpoolTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultSpoolIsTheCheckoutsNeverTheWorkingDirectorys() throws Exception {
        UserProcess.open(dir);
        CheckoutCopy checkout = CheckoutCopy.in(dir.resolve("checkout"));
        UserProcess eve = UserProcess.as("eve");
        Path evil = UserProcess.open(Files.createDirectories(dir.resolve("eve/var/spool/public")));
        for (Path p = evil; !p.equals(dir); p = p.getParent()) {
            Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("eve"));
        }
        AtomicInteger stolen = new AtomicInteger();
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(checkout.spool()).smarthost(smarthost.port()).start();
             ServerSocketChannel thief = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            thief.bind(UnixDomainSocketAddress.of(evil.resolve("submit.sock")));
            Files.setPosixFilePermissions(evil.resolve("submit.sock"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        try (SocketChannel c = thief.accept()) {
                            stolen.incrementAndGet();
                            ByteBuffer verb = ByteBuffer.allocate(5);
                            c.read(verb);
                            String answer = new String(verb.array(), StandardCharsets.US_ASCII).startsWith("SEND")
                                    ? "exit 0 0\n" : "ok STOLEN00000\n";
                            c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.US_ASCII)));
                        }
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            for (UserProcess as : UserProcess.bothWith("eve")) {
                for (boolean jvm : new boolean[] {false, true}) {
                    String subject = "anchored, " + as.user() + (jvm ? ", Java" : ", native");
                    UserProcess.Result r = checkout.send(as.cwd(dir.resolve("eve")), jvm,
                            "Subject: " + subject + "\n\nx\n", "bob@example.com");
                    assertThat(r.exit()).as(subject + ": " + r.err()).isZero();
                    assertThat(stolen.get()).as(subject + ": eve's socket was used").isZero();
                    TestSmarthost.Received m = smarthost.take(30, TimeUnit.SECONDS);
                    assertThat(m).as(subject + ": delivered by the checkout's daemon").isNotNull();
                    assertThat(m.text()).contains("Subject: " + subject);
                }
            }
        }
        assertThat(eve.user()).isEqualTo("eve");
    }
}
