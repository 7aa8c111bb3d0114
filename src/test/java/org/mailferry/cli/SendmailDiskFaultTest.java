package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.FaultyDisk;
import org.mailferry.testing.RelayFixture;

/** sendmail while the spool's syncs fail: never exit 0 for a message the daemon could not make durable. */
class SendmailDiskFaultTest {
    @TempDir
    Path dir;

    @Test
    void aSubmissionTheSpoolCannotSyncIsNotExitZeroUnlessItIsDurableInTheMaildrop() throws Exception {
        Path spool = dir.resolve("spool");
        FaultyDisk disk = new FaultyDisk(spool);
        try (RelayFixture relay = new RelayFixture(spool).disk(disk).start()) {
            Path config = SendmailRun.config(dir, spool);
            disk.failSyncs(true);
            SendmailRun during = SendmailRun.run("sendmail", "Subject: during\n\nx\n",
                    List.of("-C", config.toString(), "bob"));
            // the daemon answers "temp" (its spool refused: 451 in SMTP terms); the command then
            // writes the message to the maildrop (fsynced) and only then exits 0
            assertThat(relay.relay().spool().ids()).as("not queued by the failing spool").isEmpty();
            if (during.code() == 0) {
                try (var files = Files.list(spool.resolve("maildrop"))) {
                    assertThat(files.count()).as("exit 0 only with the message durable in the maildrop").isOne();
                }
            }
            disk.failSyncs(false);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (relay.relay().spool().ids().isEmpty() && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertThat(relay.relay().spool().ids()).as(during.code() == 0
                    ? "picked up from the maildrop once the disk works" : "nothing queued").hasSize(
                    during.code() == 0 ? 1 : 0);
        }
    }
}
