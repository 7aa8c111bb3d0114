package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MAILFERRY_<SECTION>_<KEY> variables: every key, _FILE for secrets, the same checks, precedence. */
class EnvironmentTest {
    @TempDir
    Path dir;

    @BeforeEach
    void privateDir() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    private static Config load(Path file, Map<String, String> flags, Map<String, String> env) throws ConfigException {
        return ConfigLoader.read(file, flags, env).config();
    }

    @Test
    void everyKeyHasAVariable() {
        for (Key k : Key.ALL) {
            assertThat(Environment.variable(k)).matches("MAILFERRY_[A-Z]+_[A-Z0-9_]+");
        }
        assertThat(Environment.variable(Key.SMTPD_MAX_CONNECTIONS)).isEqualTo("MAILFERRY_SMTPD_MAX_CONNECTIONS");
        assertThat(Environment.variable(Key.RELAY_SMARTHOST)).isEqualTo("MAILFERRY_RELAY_SMARTHOST");
    }

    @Test
    void variablesSetKeysOfEveryType() throws Exception {
        Config c = load(null, Map.of(), Map.of(
                "MAILFERRY_RELAY_SMARTHOST", "smtp:[smtp.example.com]:587",
                "MAILFERRY_SMTPD_MAX_CONNECTIONS", "50",
                "MAILFERRY_SMTPD_MYNETWORKS", "[\"10.0.0.0/8\", \"127.0.0.1/32\"]",
                "MAILFERRY_QUEUE_LIFETIME", "2d",
                "MAILFERRY_SMTPD_MAX_MESSAGE_SIZE", "20MiB",
                "MAILFERRY_RELAY_ALLOW_PLAINTEXT_AUTH", "true",
                "MAILFERRY_ADMIN_LISTEN", "off"));
        assertThat(c.relay().smarthosts()).hasSize(1);
        assertThat(c.relay().smarthosts().get(0).host()).isEqualTo("smtp.example.com");
        assertThat(c.smtpd().maxConnections()).isEqualTo(50);
        assertThat(c.smtpd().mynetworks()).containsExactly("10.0.0.0/8", "127.0.0.1/32");
        assertThat(c.queue().lifetime()).hasDays(2);
        assertThat(c.smtpd().maxMessageSizeBytes()).isEqualTo(20L << 20);
        assertThat(c.relay().security().allowPlaintextAuth()).isTrue();
        assertThat(c.admin().listen()).isNull();
    }

    @Test
    void optionsBeatTheEnvironmentWhichBeatsTheFile() throws Exception {
        Path f = Files.writeString(dir.resolve("m.toml"), "[smtpd]\nmax_connections = 20\nmax_recipients = 30\n"
                + "listen = \"127.0.0.1:2600\"\n");
        Config c = load(f, Map.of("smtpd.listen", "127.0.0.1:2700"), Map.of(
                "MAILFERRY_SMTPD_MAX_CONNECTIONS", "40", "MAILFERRY_SMTPD_LISTEN", "127.0.0.1:2800"));
        assertThat(c.smtpd().maxConnections()).isEqualTo(40);
        assertThat(c.smtpd().maxRecipients()).isEqualTo(30);
        assertThat(c.smtpd().listen().getPort()).isEqualTo(2700);
        assertThat(load(null, Map.of(), Map.of()).smtpd().maxConnections()).isEqualTo(100);
    }

    @Test
    void aBadValueNamesTheVariable() {
        assertThatThrownBy(() -> load(null, Map.of(), Map.of("MAILFERRY_SMTPD_MAX_CONNECTIONS", "many")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("MAILFERRY_SMTPD_MAX_CONNECTIONS: smtpd.max_connections must be a whole number, not 'many'");
        assertThatThrownBy(() -> load(null, Map.of(), Map.of("MAILFERRY_RELAY_SMARTHOST", "[a.example:25")))
                .hasMessageStartingWith("MAILFERRY_RELAY_SMARTHOST: relay.smarthost: '[a.example:25' is not a smarthost");
        assertThatThrownBy(() -> load(null, Map.of(), Map.of("MAILFERRY_SMTPD_MAX_CONNECTIONS", "0")))
                .hasMessageStartingWith("MAILFERRY_SMTPD_MAX_CONNECTIONS: smtpd.max_connections = 0 is out of range");
    }

    @Test
    void aTypoIsAnErrorWithTheNearestVariable() {
        assertThatThrownBy(() -> load(null, Map.of(), Map.of("MAILFERRY_RELAY_SMARTHOTS", "smtp:[x]:25")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("MAILFERRY_RELAY_SMARTHOTS: no such setting: there is no key "
                        + "'relay.smarthots' (did you mean MAILFERRY_RELAY_SMARTHOST?)");
        assertThatThrownBy(() -> load(null, Map.of(), Map.of("MAILFERRY_SMTPD_LISTEN_FILE", "/x")))
                .hasMessageStartingWith("MAILFERRY_SMTPD_LISTEN_FILE: only secrets are read from files");
    }

    @Test
    void theLaunchersOwnVariablesAreNotKeys() throws Exception {
        Map<String, String> launcher = Map.of("MAILFERRY_HOME", "/opt/mailferry", "MAILFERRY_JAVA", "/usr/bin/java",
                "MAILFERRY_JAR", "/x.jar", "MAILFERRY_NATIVE", "off", "MAILFERRY_REQUIRE_INTEROP", "1",
                "MAILFERRY_SERVE_FLAGS", "-Xmx1g", "MAILFERRY_CLASSPATH", "/c", "MAILFERRY_SENDMAIL_FLAGS", "-X",
                "MAILFERRY_SENDMAIL_JVM", "/j", "MAILFERRY_CONFIG", "/etc/mailferry/mailferry.toml");
        assertThat(ConfigLoader.read(null, Map.of(), launcher).sources()).isEmpty();
        assertThat(ConfigLoader.read(null, Map.of(), Map.of("MAILFERRY_SUBMIT_TIMEOUT", "5", "MAILFERRY_LOG_LEVEL",
                "debug", "MAILFERRY_JAVA_OPTS", "-X")).sources()).isEmpty();
    }

    @Test
    void aSecretFromAFileIsCheckedAsEverySecretFile() throws Exception {
        Path s = Files.writeString(dir.resolve("refresh"), "1//refresh-token\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rw-r--r--"));
        Map<String, String> env = Map.of("MAILFERRY_RELAY_USERNAME", "me@example.com",
                "MAILFERRY_RELAY_OAUTH2_CLIENT_ID", "id", "MAILFERRY_RELAY_OAUTH2_TOKEN_ENDPOINT",
                "https://oauth2.example.com/token", "MAILFERRY_RELAY_OAUTH2_REFRESH_TOKEN_FILE", s.toString());
        assertThatThrownBy(() -> load(null, Map.of(), env))
                .hasMessage("MAILFERRY_RELAY_OAUTH2_REFRESH_TOKEN_FILE: " + s + ": holds a secret but has mode 0644 "
                        + "(rw-r--r--) (group/others may read it); run: chmod 600 " + s);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rw-------"));
        Config c = load(null, Map.of(), env);
        assertThat(c.relay().security().oauth2().refreshToken().reveal()).isEqualTo("1//refresh-token");
        java.util.HashMap<String, String> both = new java.util.HashMap<>(env);
        both.put("MAILFERRY_RELAY_OAUTH2_REFRESH_TOKEN", "other");
        assertThatThrownBy(() -> load(null, Map.of(), both)).hasMessage("MAILFERRY_RELAY_OAUTH2_REFRESH_TOKEN and "
                + "MAILFERRY_RELAY_OAUTH2_REFRESH_TOKEN_FILE are both set; unset one");
    }
}
