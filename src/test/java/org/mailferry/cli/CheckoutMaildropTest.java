package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.CheckoutCopy;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.Tools;
import org.mailferry.testing.UserProcess;

/**
 * Issue 12, item 7: a checkout's bin/sendmail and bin/mailq from any directory with the daemon
 * down. The checkout's maildrop is made 1733 like the installed one (by the first drop or by the
 * daemon), so an unprivileged user's drop (www-data's mail()) is accepted; bin/mailq lists the
 * drops (before: "Mail queue is empty", since the queue directory did not exist yet); the daemon,
 * started later, delivers them.
 */
class CheckoutMaildropTest {
    @TempDir
    Path dir;

    private static int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode") & 07777;
    }

    @Test
    void dropsFromRootAndEveWithTheDaemonDownAreListedThenDelivered() throws Exception {
        UserProcess.open(dir);
        CheckoutCopy checkout = CheckoutCopy.in(dir.resolve("checkout"));
        Files.copy(Path.of("bin/mailq"), checkout.home.resolve("bin/mailq"), StandardCopyOption.COPY_ATTRIBUTES);
        Path maildrop = checkout.spool().resolve("maildrop");
        Tools.run(java.util.List.of("rm", "-rf", maildrop.toString()), dir.resolve("rm.out"), 10); // as a fresh checkout
        Path elsewhere = UserProcess.open(Files.createDirectories(dir.resolve("docroot")));
        Files.setPosixFilePermissions(elsewhere, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));

        UserProcess.Result root = checkout.send(UserProcess.self().cwd(elsewhere), true,
                "Subject: from root\n\nx\n", "bob@example.com");
        assertThat(root.exit()).as(root.err()).isZero();
        assertThat(mode(maildrop)).as("the checkout's maildrop, made by the first drop").isEqualTo(01733);
        UserProcess.Result eve = checkout.send(UserProcess.as("eve").cwd(elsewhere), false,
                "Subject: from eve\n\nx\n", "carol@example.com");
        assertThat(eve.exit()).as(eve.err()).isZero();
        assertThat(elsewhere.resolve("var")).as("nothing written in the working directory").doesNotExist();

        UserProcess.Result mailq = UserProcess.self().cwd(elsewhere)
                .env("MAILFERRY_CLASSPATH", checkout.home.resolve("target/classes").toString())
                .run("", 60, checkout.home.resolve("bin/mailq").toString());
        assertThat(mailq.exit()).as(mailq.err()).isZero();
        assertThat(mailq.out()).doesNotContain("Mail queue is empty")
                .contains("bob@example.com", "carol@example.com", "waiting in the maildrop", "in 2 Requests.");

        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(checkout.spool()).smarthost(smarthost.port()).start()) {
            String a = smarthost.take(30, TimeUnit.SECONDS).text();
            String b = smarthost.take(30, TimeUnit.SECONDS).text();
            assertThat(a + b).contains("Subject: from root", "Subject: from eve");
        }
    }

    @Test
    void theDaemonMakesAMissingMaildrop1733() throws Exception {
        Path spool = dir.resolve("spool");
        try (RelayFixture relay = new RelayFixture(spool).start()) {
            assertThat(mode(spool.resolve("maildrop"))).isEqualTo(01733);
        }
    }
}
