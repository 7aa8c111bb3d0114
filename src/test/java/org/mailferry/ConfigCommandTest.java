package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.cli.Commands;

/** mailferry config check | show [-n]: exit codes, messages, nothing started, nothing written; the environment. */
class ConfigCommandTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void privateDir() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    private int run(Map<String, String> env, String... args) {
        return Commands.run(List.of(args), env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new CommandWiring());
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aGoodFileIsOkAndNothingIsStartedOrWritten() throws Exception {
        Path spool = dir.resolve("spool");
        Path f = Files.writeString(dir.resolve("m.toml"), "[queue]\nspool = \"" + spool + "\"\n"
                + "[smtpd]\nlisten = \"127.0.0.1:1\"\n[relay]\nsmarthost = \"smtp:[smtp.example.com]:587\"\n");
        assertThat(run(Map.of(), "config", "check", "--config", f.toString())).isZero();
        assertThat(out()).isEqualTo("config OK: " + f + "\n");
        assertThat(err()).isEmpty();
        assertThat(spool).doesNotExist();
    }

    @Test
    void withoutAFileTheDefaultsAreChecked() {
        assertThat(run(Map.of(), "config", "check")).isZero();
        assertThat(out()).isEqualTo("config OK: (no file: built-in defaults)\n");
        out.reset();
        assertThat(run(Map.of("MAILFERRY_SMTPD_MAX_CONNECTIONS", "5"), "config", "check")).isZero();
        assertThat(out()).isEqualTo("config OK: (no file: built-in defaults, environment and options)\n");
    }

    @Test
    void aBadFileIs78WithFileAndLine() throws Exception {
        Path f = Files.writeString(dir.resolve("m.toml"), "[smtpd]\n\nmax_connections = \"many\"\n");
        assertThat(run(Map.of(), "config", "check", "--config", f.toString())).isEqualTo(78);
        assertThat(err()).isEqualTo("mailferry: " + f + ":3: smtpd.max_connections must be a whole number, not 'many'\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void aBadListenerFileIs78Too() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "not a certificate\n");
        Path f = Files.writeString(dir.resolve("m.toml"), "[smtpd]\ntls_cert = \"" + cert + "\"\ntls_key = \""
                + cert + "\"\n");
        assertThat(run(Map.of(), "config", "check", "--config", f.toString())).isEqualTo(78);
        assertThat(err()).startsWith("mailferry: configuration: smtpd.tls_cert " + cert + " / smtpd.tls_key " + cert
                + ": not a usable certificate and key");
    }

    @Test
    void aBadOrUnknownVariableIs78NamingIt() {
        assertThat(run(Map.of("MAILFERRY_SMTPD_MAX_CONNECTIONS", "many"), "config", "check")).isEqualTo(78);
        assertThat(err()).isEqualTo("mailferry: MAILFERRY_SMTPD_MAX_CONNECTIONS: smtpd.max_connections must be a "
                + "whole number, not 'many'\n");
        err.reset();
        assertThat(run(Map.of("MAILFERRY_RELAY_SMARTHOTS", "x"), "serve")).isEqualTo(78);
        assertThat(err()).startsWith("mailferry: MAILFERRY_RELAY_SMARTHOTS: no such setting");
    }

    @Test
    void showPrintsTheEffectiveConfigurationWithSecretsMasked() throws Exception {
        Path f = Files.writeString(dir.resolve("m.toml"), "[relay]\nusername = \"me@example.com\"\n"
                + "oauth2_client_id = \"id\"\noauth2_token_endpoint = \"https://oauth2.example.com/t\"\n"
                + "oauth2_refresh_token = \"1//very-secret\"\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertThat(run(Map.of("MAILFERRY_SMTPD_MAX_CONNECTIONS", "5"), "config", "show", "--config", f.toString()))
                .isZero();
        assertThat(out()).doesNotContain("very-secret").contains("max_connections = 5  # MAILFERRY_SMTPD_MAX_CONNECTIONS\n")
                .contains("# oauth2_refresh_token = (secret, not shown; set in " + f + ":5)\n")
                .contains("retry_min = \"5m\"\n");
        out.reset();
        assertThat(run(Map.of(), "config", "show", "-n", "--config", f.toString())).isZero();
        assertThat(out()).doesNotContain("very-secret").doesNotContain("retry_min")
                .contains("[relay]\nusername = \"me@example.com\"\n");
    }

    @Test
    void configWithoutASubcommandIsAUsageError() {
        assertThat(run(Map.of(), "config")).isEqualTo(64);
        assertThat(err()).startsWith("mailferry: config: say check or show\nusage: mailferry config");
        err.reset();
        assertThat(run(Map.of(), "config", "check", "-n")).isEqualTo(64);
        assertThat(err()).startsWith("mailferry: config: -n goes with show");
    }
}
