package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.PostfixSmarthost;

/** {@code mailferry check} against the real Postfix smarthost, and the credential-file permission check. */
class CheckCommandTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Mailferry.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    private Path authinfo(int port, String password, String mode) throws Exception {
        Path f = dir.resolve("authinfo");
        Files.writeString(f, "AuthInfo:127.0.0.1:" + port + " \"U:relayuser\" \"P:" + password + "\" \"M:PLAIN\"\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    private String[] check(PostfixSmarthost p, Path authinfo, String... more) throws Exception {
        Path config = dir.resolve("mailferry.toml");
        Files.writeString(config, "[relay]\ntls = \"starttls\"\n");
        List<String> a = new ArrayList<>(List.of("check", "--config", config.toString(), "--smarthost",
                "smtp:[127.0.0.1]:" + p.startTlsPort, "--authinfo", authinfo.toString(), "--ca-file",
                p.caFile().toString(), "--spool", dir.resolve("spool").toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void everyStepPassesAgainstPostfixAndATestMessageIsSent() throws Exception {
        PostfixSmarthost p = PostfixSmarthost.get();
        int exit = run(check(p, authinfo(p.startTlsPort, PostfixSmarthost.PASSWORD, "rw-------"),
                "--send-test", "check-test@example.net"));
        String o = output();
        assertThat(exit).as(o).isZero();
        assertThat(o).containsPattern("resolve +OK +127\\.0\\.0\\.1 -> 127\\.0\\.0\\.1")
                .containsPattern("greeting +OK +220 localhost ESMTP")
                .containsPattern("ehlo +OK +250 .*STARTTLS")
                .containsPattern("starttls +OK +TLSv1\\.[23] .*subject=CN=localhost issuer=CN=Mailferry Test CA.* "
                        + "expires=.* verified")
                .containsPattern("auth +OK +PLAIN as relayuser: 235 2\\.7\\.0")
                .containsPattern("send +OK +sent via 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + p.startTlsPort)
                .contains("check: all steps passed")
                .doesNotContain(PostfixSmarthost.PASSWORD);
        assertThat(p.awaitSink("X-Sink-Envelope-To: <check-test@example.net>", 10_000)).isNotEmpty();
    }

    @Test
    void aWrongPasswordFailsTheAuthStepWithTheSmarthostsReply() throws Exception {
        PostfixSmarthost p = PostfixSmarthost.get();
        int exit = run(check(p, authinfo(p.startTlsPort, "not-the-Pass-9", "rw-------")));
        String o = output();
        assertThat(exit).as(o).isEqualTo(1);
        assertThat(o).containsPattern("starttls +OK").containsPattern("auth +FAIL +AUTH PLAIN as relayuser .*535 5\\.7\\.8")
                .contains("check: FAILED").doesNotContain("not-the-Pass-9");
    }

    @Test
    void anUntrustedCertificateFailsWithTheCertificateShown() throws Exception {
        PostfixSmarthost p = PostfixSmarthost.get();
        Path config = dir.resolve("mailferry.toml");
        Files.writeString(config, "[relay]\ntls = \"starttls\"\n");
        int exit = run("check", "--config", config.toString(), "--smarthost", "smtp:[127.0.0.1]:" + p.startTlsPort);
        assertThat(exit).isEqualTo(1);
        assertThat(output()).containsPattern("tls +FAIL +TLS with 127\\.0\\.0\\.1 failed: unknown CA.*subject=CN=localhost"
                + ".*NOT verified");
    }

    @Test
    void aGroupReadableAuthinfoIsRefusedAtStartWithTheFix() throws Exception {
        Path f = authinfo(2525, "whatever-Secret", "rw-r--r--");
        assertThat(run("queue", "--spool", dir.toString(), "--authinfo", f.toString())).isEqualTo(78);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("mailferry: " + f + ": holds a secret but has mode "
                + "0644 (rw-r--r--) (group/others may read it); run: chmod 600 " + f + "\n");
    }

    @Test
    void aConfigWithASecretMustBePrivateToo() throws Exception {
        Path config = dir.resolve("mailferry.toml");
        Files.writeString(config, "[relay]\noauth2_client_id = \"c\"\noauth2_refresh_token = \"rt-Secret-1\"\n"
                + "oauth2_token_endpoint = \"https://oauth2.example/token\"\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(run("queue", "--config", config.toString(), "--spool", dir.toString())).isEqualTo(78);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(config + ": holds a secret", "mode 0640",
                "chmod 600 " + config).doesNotContain("rt-Secret-1");
    }

    @Test
    void aCredentialsFileOwnedByAnotherUserIsRefused() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "only root can give a file away");
        Path f = authinfo(2525, "whatever-Secret", "rw-------");
        Files.setOwner(f, f.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        assertThat(run("queue", "--spool", dir.toString(), "--authinfo", f.toString())).isEqualTo(78);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(f + ": holds a secret but is owned by nobody, not root",
                "chmod 600 " + f);
    }

    @Test
    void aUsernameWithoutAnySecretIsAConfigErrorNamingTheKeys() throws Exception {
        Path config = dir.resolve("mailferry.toml");
        Files.writeString(config, "[relay]\nusername = \"app@example.com\"\n");
        assertThat(run("queue", "--config", config.toString(), "--spool", dir.toString())).isEqualTo(78);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("mailferry: " + config + ":2: relay.username needs "
                + "a secret: set relay.password_command, relay.password_env or relay.oauth2_* (or put the credentials "
                + "in relay.authinfo instead)\n");
    }
}
