package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.LocalUser;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.UserProcess;

/**
 * Issue 12, item 9: {@code mailferry check --send-test TO --from ADDR}, run as a person runs it (its
 * own process, as eve too): the envelope sender is ADDR (providers accept only permitted senders),
 * and its output is the check's steps, without the private relay's log lines.
 */
class SendTestCommandTest {
    @TempDir
    Path dir;

    private UserProcess.Result check(UserProcess as, Path config, String... more) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", LocalUser.classPath(),
                "org.mailferry.Mailferry", "check", "--config", config.toString()));
        cmd.addAll(java.util.List.of(more));
        return as.cwd(dir).run("", 120, cmd.toArray(String[]::new));
    }

    @Test
    void sendsFromTheGivenSenderAndPrintsOnlyTheSteps() throws Exception {
        UserProcess.open(dir);
        try (TestSmarthost smarthost = new TestSmarthost()) {
            Path config = Files.writeString(dir.resolve("mailferry.toml"),
                    "[relay]\nsmarthost = \"[127.0.0.1]:" + smarthost.port() + "\"\ntls = \"none\"\n");
            Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            for (UserProcess as : UserProcess.bothWith("eve")) {
                String sender = as.user() + "-app@example.com";
                UserProcess.Result r = check(as, config, "--send-test", "check@example.net", "--from", sender);
                assertThat(r.exit()).as(r.out() + r.err()).isZero();
                TestSmarthost.Received m = smarthost.take(30, TimeUnit.SECONDS);
                assertThat(m.sender()).isEqualTo(sender);
                assertThat(m.text()).contains("From: <" + sender + ">");
                assertThat(r.out()).contains("send      OK   sent via 127.0.0.1", "check: all steps passed");
                for (String line : (r.out() + r.err()).split("\n")) {
                    assertThat(line).as("only the check's own lines").matches("smarthost .*|  \\S+ +(OK|FAIL|SKIP) .*|check: .*|");
                }
            }
        }
    }

    @Test
    void aFromThatIsNotAnAddressOrWithoutSendTestIsAUsageError() throws Exception {
        UserProcess.open(dir);
        Path config = Files.writeString(dir.resolve("mailferry.toml"), "[relay]\nsmarthost = \"[127.0.0.1]:9\"\n");
        UserProcess.Result bad = check(UserProcess.self(), config, "--send-test", "a@example.net", "--from", "root");
        assertThat(bad.exit()).isEqualTo(64);
        assertThat(bad.err()).contains("mailferry: check: --from 'root' is not an address; write --from you@example.com");
        UserProcess.Result alone = check(UserProcess.self(), config, "--from", "a@example.com");
        assertThat(alone.exit()).isEqualTo(64);
        assertThat(alone.err()).contains("mailferry: check: --from goes with --send-test TO");
    }
}
