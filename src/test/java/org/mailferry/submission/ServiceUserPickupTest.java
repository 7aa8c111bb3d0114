package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.DaemonConfig;
import org.mailferry.testing.LocalUser;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.Tools;
import org.mailferry.testing.UserProcess;

/**
 * The daemon as installed: running as its own unprivileged service user (here mfsvc), which
 * cannot read eve's mode-000 file nor move her directory out of the maildrop, and whose own files
 * a symbolic link of eve's points at. Root's drops are still delivered, nothing of the service
 * user's is read for eve, and each hostile entry costs one log line, not one per scan.
 */
class ServiceUserPickupTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }

    private static Drop message(String subject) {
        return new Drop("root@relay.test", List.of("someone@dest.test"), "", "", "",
                ("Subject: " + subject + "\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void hostileDropsAgainstTheDaemonRunningAsItsServiceUser() throws Exception {
        LocalUser eve = LocalUser.require("eve");
        UserProcess service = UserProcess.as("mfsvc");
        UserProcess.open(dir);
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path maildrop = Files.createDirectories(spool.resolve("maildrop"));
        // the service user's own file, a valid drop only it can read (as its queue files are)
        Path own = Files.write(spool.resolve("service-user-secret"), message("SERVICE USER'S FILE").encode());
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rw-------"));
        run("chown", "-R", "mfsvc:", spool.toString());
        run("chmod", "0755", spool.toString());
        run("chmod", "1733", maildrop.toString());
        String m = maildrop.toString();
        LocalUser.Result r = eve.run(List.of("sh", "-c", "cd " + m + " && mkfifo fifo && mkdir dir && touch dir/x"
                + " && printf 'mailferry-drop 1\\n' > unreadable && chmod 000 unreadable && ln -s " + own + " link"), null);
        assertThat(r.exit()).as(r.all()).isZero();

        int port = Tools.freePort();
        try (TestSmarthost smarthost = new TestSmarthost()) {
            Path config = DaemonConfig.write(dir.resolve("mailferry.toml"), port, spool, smarthost.port(), "");
            Process daemon = service.start(null, List.of(JAVA, "-XX:TieredStopAtLevel=1", "-cp", LocalUser.classPath(),
                    "org.mailferry.Mailferry", "serve", "--config", config.toString()));
            StringBuffer log = new StringBuffer();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (var in = daemon.inputReader(StandardCharsets.UTF_8)) {
                    for (String line; (line = in.readLine()) != null; ) {
                        log.append(line).append('\n');
                    }
                } catch (java.io.IOException e) {
                    // the daemon ended
                }
            });
            try {
                Tools.awaitPort(port, 30_000);
                Thread.sleep(1500); // a scan or two over eve's entries first
                long start = System.nanoTime();
                for (int i = 0; i < 5; i++) {
                    Path tmp = Files.write(maildrop.resolve(".root" + i), message("root message " + i).encode());
                    Files.move(tmp, maildrop.resolve("root" + i), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
                List<String> texts = new ArrayList<>();
                while (texts.size() < 5) {
                    TestSmarthost.Received got = smarthost.take(8, TimeUnit.SECONDS);
                    assertThat(got).as("delivered " + texts.size() + " of 5; daemon log:\n" + log).isNotNull();
                    texts.add(got.text());
                }
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                System.out.println("daemon as its service user, 4 hostile entries: root's 5 drops delivered in "
                        + millis + " ms");
                assertThat(millis).isLessThan(5_000);
                assertThat(texts).allMatch(t -> t.contains("from user root)")).noneMatch(t -> t.contains("SERVICE USER"));
                Thread.sleep(2500); // more scans: the entry it cannot move stays one log line
                String all = log.toString();
                assertThat(all).contains("maildrop file fifo: is a FIFO, socket or device (owner eve); moved to")
                        .contains("maildrop file link: is a symbolic link (owner eve); moved to")
                        .contains("maildrop file unreadable: is not readable by the daemon (mode ---------, owner eve); "
                                + "moved to");
                assertThat(all.lines().filter(l -> l.contains("maildrop file dir: is a directory (owner eve); "
                        + "cannot move it aside"))).hasSize(1);
                assertThat(all).doesNotContain("Exception").doesNotContain("SERVICE USER");
                assertThat(own).exists();
            } finally {
                daemon.destroy();
                if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                    daemon.destroyForcibly();
                }
                reader.join(5000);
            }
        }
    }
}
