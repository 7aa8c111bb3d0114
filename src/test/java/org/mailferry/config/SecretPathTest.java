package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.LocalUser;

/**
 * Issue 20, "files an operator gets wrong": a webhook secret at 0644, an authinfo symlink another
 * user owns, and directories others could write are refused at start-up with the fix.
 */
class SecretPathTest {
    @TempDir
    Path dir;

    @BeforeEach
    void privateDir() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    private Path secret(Path where, String text) throws Exception {
        Files.createDirectories(where.getParent());
        Files.writeString(where, text);
        Files.setPosixFilePermissions(where, PosixFilePermissions.fromString("rw-------"));
        return where;
    }

    private static String authinfoError(Path p) {
        try {
            ConfigLoader.load(null, Map.of("relay.authinfo", p.toString()));
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + p);
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(List.of(command) + ": " + out).isZero();
    }

    @Test
    void aWorldReadableWebhookSecretIsRefusedLikeEveryOtherSecret() throws Exception {
        Path s = secret(dir.resolve("webhook.secret"), "0123456789abcdef\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("webhook.secret_file", s.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessage("command line: webhook.secret_file: " + s + ": holds a secret but has mode 0644 (rw-r--r--)"
                        + " (group/others may read it); run: chmod 600 " + s);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rw-------"));
        assertThat(ConfigLoader.load(null, Map.of("webhook.secret_file", s.toString())).webhook().secretFile())
                .isEqualTo(s);
    }

    @Test
    void anAuthinfoSymlinkOwnedByAnotherUserIsRefused() throws Exception {
        LocalUser.require("eve");
        Path target = secret(dir.resolve("etc/authinfo"), "AuthInfo:h \"U:u\" \"P:p\"\n");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        assertThat(ConfigLoader.load(null, Map.of("relay.authinfo", link.toString()))).isNotNull(); // root's link: fine
        run("chown", "-h", "eve", link.toString());
        assertThat(authinfoError(link)).isEqualTo(link + ": holds a secret but is a symbolic link owned by eve (only root"
                + " may choose which file is read); remove the link and point the key at the file itself, or"
                + " recreate the link as root");
    }

    @Test
    void aDirectoryAnotherUserOwnsOrMayWriteIsRefused() throws Exception {
        LocalUser.require("eve");
        Path sub = dir.resolve("d");
        Path f = secret(sub.resolve("authinfo"), "AuthInfo:h \"U:u\" \"P:p\"\n");
        Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThat(authinfoError(f)).isEqualTo(f + ": holds a secret but directory " + sub + " has mode 0775"
                + " (group/others may replace the file); run: chmod go-w " + sub);
        Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwx------"));
        run("chown", "eve", sub.toString());
        assertThat(authinfoError(f)).startsWith(f + ": holds a secret but directory " + sub + " is owned by eve");
        run("chown", "root", sub.toString());
        run("chmod", "1777", sub.toString()); // sticky, as /tmp: eve cannot replace root's file
        assertThat(ConfigLoader.load(null, Map.of("relay.authinfo", f.toString()))).isNotNull();
    }

    @Test
    void theTargetsDirectoriesAreCheckedThroughALink() throws Exception {
        LocalUser.require("eve");
        Path sub = dir.resolve("evil");
        Path target = secret(sub.resolve("authinfo"), "AuthInfo:h \"U:u\" \"P:p\"\n");
        run("chown", "eve", sub.toString());
        Path link = Files.createSymbolicLink(dir.resolve("authinfo"), target);
        assertThat(authinfoError(link)).startsWith(link + ": holds a secret but directory " + sub + " is owned by eve");
    }
}
