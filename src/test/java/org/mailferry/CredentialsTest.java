package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.cli.Passwd;
import org.mailferry.submission.PasswordHash;
import org.mailferry.submission.Users;

/** The users file and `mailferry passwd`: hashes verify, the password is never printed, bad modes stop start-up. */
class CredentialsTest {
    private static final String PASSWORD = "correct horse battery staple (test)";

    @TempDir
    Path dir;

    @Test
    void passwdPrintsAVerifiableLineWithoutThePassword() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Passwd.run(List.of("app1"), null, new ByteArrayInputStream((PASSWORD + "\n").getBytes(
                StandardCharsets.UTF_8)), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(rc).isZero();
        String line = out.toString(StandardCharsets.UTF_8).strip();
        assertThat(line).startsWith("app1:$pbkdf2-sha256$" + PasswordHash.DEFAULT_ITERATIONS + "$")
                .doesNotContain(PASSWORD);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        Path users = dir.resolve("users");
        Files.writeString(users, line + "\n");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-------"));
        Users u = Users.load(users);
        assertThat(u.verify("app1", PASSWORD.toCharArray())).isTrue();
        assertThat(u.verify("app1", "wrong".toCharArray())).isFalse();
        assertThat(u.verify("nobody", PASSWORD.toCharArray())).isFalse();
    }

    @Test
    void passwdRefusesBadUserNames() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Passwd.run(List.of("a:b"), null, new ByteArrayInputStream(new byte[0]), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(rc).isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: mailferry passwd USER");
    }

    @Test
    void malformedUsersLineNamesFileAndLineButNotTheValue() throws Exception {
        Path users = dir.resolve("users");
        Files.writeString(users, "# comment\nbob:plain-" + PASSWORD + "\n");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-------"));
        try {
            Users.load(users);
            throw new AssertionError("accepted a clear-text password");
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith(users + ":2: ").contains("mailferry passwd")
                    .doesNotContain(PASSWORD);
        }
    }

    @Test
    void serveWithAWorldReadableUsersFileExitsWithOneLine() throws Exception {
        Path users = dir.resolve("users");
        Files.writeString(users, "alice:" + PasswordHash.create(PASSWORD.toCharArray(), 1000).format() + "\n");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(dir.resolve("c.pem"), "");
        Path config = dir.resolve("mailferry.toml");
        Files.writeString(config, """
                [smtpd]
                listen = "127.0.0.1:0"
                tls_cert = "%s"
                tls_key = "%s"
                users = "%s"
                [queue]
                spool = "%s"
                """.formatted(dir.resolve("c.pem"), dir.resolve("c.pem"), users, dir.resolve("spool")));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Mailferry.run(
                List.of("serve", "--config", config.toString()), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(rc).isEqualTo(78);
        assertThat(text.strip().lines()).hasSize(1);
        assertThat(text).contains(users.toString()).contains("rw-r--r--").contains("chmod 600 " + users)
                .doesNotContain("Exception");
    }
}
