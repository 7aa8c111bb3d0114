package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmallTmpfs;
import org.mailferry.testing.Submitter;

/**
 * Disk full, seen from the sendmail command: with the spool on a full 2 MiB tmpfs it exits
 * EX_TEMPFAIL (75) whether the daemon runs (it refuses over the submit socket) or not (the maildrop
 * write fails), so the application knows to retry; nothing is half-written. Needs root for mount;
 * skipped otherwise unless MAILFERRY_REQUIRE_INTEROP=1.
 */
class SendmailDiskFullTest {
    @TempDir
    Path dir;

    @Test
    void aFullSpoolIsATemporaryFailureForSendmail() throws Exception {
        try (SmallTmpfs disk = SmallTmpfs.mount(dir.resolve("small"), "2m")) {
            fullSpool(disk.path.resolve("spool"));
        }
    }

    private void fullSpool(Path spool) throws Exception {
        Path config = dir.resolve("mailferry.toml");
        Files.writeString(config, "[queue]\nspool = \"" + spool + "\"\n[admin]\nlisten = \"off\"\n");
        String big = "Subject: filler\r\n\r\n" + ("x".repeat(76) + "\r\n").repeat(2000);
        try (RelayFixture relay = new RelayFixture(spool).set("admin.listen", "off").start()) {
            Reply r = Reply.of(250, null, "none sent yet");
            for (int n = 0; n < 100 && r.code() == 250; n++) {
                r = Submitter.send(relay.address(), "a@client.test", List.of("x@dest.test"), big);
            }
            assertThat(r.oneLine()).startsWith("452 4.3.1");

            SendmailRun daemonUp = SendmailRun.run("sendmail", big.replace("\r\n", "\n"),
                    List.of("-C", config.toString(), "-i", "user@example.net"));
            assertThat(daemonUp.code()).as(daemonUp.err()).isEqualTo(75);
        }
        SendmailRun daemonDown = SendmailRun.run("sendmail", big.replace("\r\n", "\n"),
                List.of("-C", config.toString(), "-i", "user@example.net"));
        assertThat(daemonDown.code()).as(daemonDown.err()).isEqualTo(75);
        assertThat(daemonDown.err()).doesNotContain("Exception");
        try (var files = Files.list(spool.resolve("maildrop"))) {
            assertThat(files.filter(p -> !p.getFileName().toString().startsWith("."))).as("no partial drop file")
                    .allMatch(p -> p.toFile().length() > 0);
        }
    }
}
