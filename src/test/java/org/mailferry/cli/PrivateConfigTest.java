package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.CheckoutCopy;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.UserProcess;

/**
 * Issue 14, item 7: the config file at mode 600 (it holds a secret), the daemon started with it.
 * Every local user's sendmail, both clients, must still send, with the config's origin domain:
 * they read what the daemon published of it (SPOOL/public/sendmail.conf, 0644) in the default
 * spool. Before, every user but root got exit 66 (cron and PHP's mail() refused). A config file
 * the published one does not describe is still refused, with what to do.
 */
class PrivateConfigTest {
    @TempDir
    Path dir;

    @Test
    void everyUserSendsWhenTheConfigIsMode600() throws Exception {
        UserProcess.open(dir);
        CheckoutCopy checkout = CheckoutCopy.in(dir.resolve("checkout"));
        Path etc = UserProcess.open(Files.createDirectories(dir.resolve("etc")));
        Path config = Files.writeString(etc.resolve("mailferry.toml"), """
                [queue]
                spool = "%s"
                [sendmail]
                origin_domain = "private.test"
                [relay]
                oauth2_client_secret = "not for eve"
                """.formatted(checkout.spool()));
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Path other = Files.writeString(etc.resolve("other.toml"), "[queue]\nspool = \"/elsewhere\"\n");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-------"));
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(checkout.spool()).configFile(config).smarthost(smarthost.port())
                     .start()) {
            Path published = checkout.spool().resolve("public/sendmail.conf");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(published))).isEqualTo("rw-r--r--");
            assertThat(Files.readString(published)).startsWith("config = \"" + config.toRealPath() + "\"\n")
                    .contains("origin_domain = \"private.test\"").doesNotContain("not for eve");
            for (String etcMode : new String[] {"rwxr-xr-x", "rwx------"}) { // 0700: eve cannot even look it up
                Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString(etcMode));
                sendAsEveryone(smarthost, checkout, config, etcMode);
            }
            UserProcess eve = UserProcess.as("eve").cwd(dir);
            for (boolean jvm : new boolean[] {false, true}) {
                UserProcess.Result r = checkout.send(eve.env("MAILFERRY_CONFIG", other.toString())
                        .env("MAILFERRY_SENDMAIL_JVM", ""), jvm, "x\n", "bob");
                assertThat(r.exit()).isEqualTo(Sysexits.EX_NOINPUT);
                assertThat(r.err()).isEqualTo("sendmail: " + other + ": cannot read the config file (permission denied; "
                        + "mode 600 when it holds a secret), and " + published + " describes another config file ("
                        + config.toRealPath() + "); start the daemon with this config (it writes " + published
                        + " at start), or make " + other + " readable for all (chmod 644) if it holds no secret\n");
            }
        }
    }

    private void sendAsEveryone(TestSmarthost smarthost, CheckoutCopy checkout, Path config, String etcMode)
            throws Exception {
        for (UserProcess as : UserProcess.bothWith("eve")) {
            for (boolean jvm : new boolean[] {false, true}) {
                String subject = "private config, " + as.user() + (jvm ? ", Java" : ", native") + ", etc/ " + etcMode;
                as.env("MAILFERRY_SENDMAIL_JVM", jvm ? "" : "/bin/false"); // the native client on its own
                UserProcess.Result r = checkout.send(as.cwd(dir).env("MAILFERRY_CONFIG", config.toString()), jvm,
                        "Subject: " + subject + "\n\nx\n", "bob");
                assertThat(r.exit()).as(subject + ": " + r.err()).isZero();
                TestSmarthost.Received m = smarthost.take(30, TimeUnit.SECONDS);
                assertThat(m).as(subject).isNotNull();
                assertThat(m.text()).contains("Subject: " + subject);
                assertThat(m.sender()).isEqualTo(as.user() + "@private.test");
                assertThat(m.recipients()).containsExactly("bob@private.test");
            }
        }
    }
}
