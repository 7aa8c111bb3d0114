package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.LocalUser;

/**
 * Issue 20: a spool path that is a file, or that the relay's user cannot write, exited 74 printing
 * only the path. Now one line says the key, what is wrong and the fix; never a stack trace.
 */
class SpoolPathTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Mailferry.run(List.of(args), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void aSpoolThatIsAFileNamesTheKeyAndTheFix() throws Exception {
        Path file = Files.writeString(dir.resolve("spool"), "not a directory\n");
        assertThat(run("serve", "--spool", file.toString(), "--listen", "127.0.0.1:0")).isEqualTo(74);
        String e = err.toString(StandardCharsets.UTF_8);
        assertThat(e).isEqualTo("mailferry: queue.spool (" + file + "): " + file + " is a file, not a directory;"
                + " set queue.spool (or --spool) to a directory, or move the file away\n");
    }

    @Test
    void aSpoolUnderAFileNamesTheKeyAndTheFix() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        Path spool = file.resolve("spool");
        assertThat(run("serve", "--spool", spool.toString(), "--listen", "127.0.0.1:0")).isEqualTo(74);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("mailferry: queue.spool (" + spool + "): " + file
                + " is a file, not a directory; set queue.spool (or --spool) to a directory, or move the file away\n");
    }

    @Test
    void anUnwritableSpoolNamesTheUserAndTheFix() throws Exception {
        LocalUser eve = LocalUser.require("eve");
        Path spool = Files.createDirectories(dir.resolve("spool"));
        LocalUser.openPath(spool);
        Path config = Files.writeString(dir.resolve("mailferry.toml"), "[smtpd]\nlisten = \"127.0.0.1:0\"\n"
                + "[admin]\nlisten = \"off\"\n[queue]\nspool = \"" + spool + "\"\n");
        LocalUser.openPath(dir);
        Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        LocalUser.Result r = eve.run(List.of(System.getProperty("java.home") + "/bin/java", "-cp", LocalUser.classPath(),
                "org.mailferry.Mailferry", "serve", "--config", config.toString()), null);
        assertThat(r.exit()).as(r.all()).isEqualTo(74);
        assertThat(r.err()).as(r.all()).contains("queue.spool (" + spool + "): ").contains("cannot be written by user eve")
                .doesNotContain("\tat ");
    }
}
