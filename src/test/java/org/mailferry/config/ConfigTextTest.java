package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config show: valid TOML that loads back to the same configuration; secrets never printed. */
class ConfigTextTest {
    @TempDir
    Path dir;

    private static final String SECRET = "s3cr3t-client-secret";
    private static final String REFRESH = "1//refresh-token-value";

    private Path file(String text) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path f = Files.writeString(dir.resolve("m" + text.hashCode() + ".toml"), text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    /** Shows, loads what was shown, shows again: the same text and the same configuration. */
    private String roundTrip(Effective e, boolean onlySet) throws Exception {
        String shown = ConfigText.render(e, onlySet);
        Path again = file(shown);
        Effective back = ConfigLoader.read(again, Map.of(), Map.of());
        Config a = e.config();
        Config b = back.config();
        assertThat(b.smtpd()).isEqualTo(a.smtpd());
        assertThat(b.queue()).isEqualTo(a.queue());
        assertThat(b.admin()).isEqualTo(a.admin());
        assertThat(b.webhook()).isEqualTo(a.webhook());
        assertThat(b.headers()).isEqualTo(a.headers());
        assertThat(b.relay().smarthosts()).isEqualTo(a.relay().smarthosts());
        assertThat(b.relay().toString()).isEqualTo(a.relay().toString()); // Secret has no equals; its text is masked
        assertThat(b.sendmail().originDomain()).isEqualTo(a.sendmail().originDomain());
        if (!onlySet) {
            // the same text but the header and where values came from (they come from the file now)
            assertThat(ConfigText.render(back, false).lines().skip(1).toList())
                    .isEqualTo(shown.lines().skip(1).map(l -> l.replaceAll("  # .*$", "")).toList());
        }
        return shown;
    }

    @Test
    void theDefaultsRoundTrip() throws Exception {
        String shown = roundTrip(ConfigLoader.read(null, Map.of(), Map.of()), false);
        assertThat(shown).contains("[smtpd]\nlisten = \"127.0.0.1:2525\"\n")
                .contains("max_connections = 100\n").contains("mynetworks = [\"127.0.0.0/8\", \"::1/128\"]\n")
                .contains("idle_timeout = \"300s\"\n").contains("allow_plaintext_auth = false\n")
                .contains("# smarthost = (none: messages stay queued)\n").contains("mynetworks_reserved_connections = 10\n");
        for (Key k : Key.ALL) {
            assertThat(shown).as(k.name()).containsPattern("(?m)^#? ?" + k.name().substring(k.name().indexOf('.') + 1)
                    + " = ");
        }
    }

    @Test
    void aFileWithEnvironmentAndOptionsRoundTrips() throws Exception {
        Path f = file("""
                [smtpd]
                max_connections = 20
                mynetworks = ["10.0.0.0/8"]
                hostname = "relay.example.com"
                [relay]
                smarthost = ["smtp:[a.example.com]:587", "b.example.com"]
                helo_name = "say \\"hi\\""
                [queue]
                lifetime = "3d"
                """.replace("say \\\"hi\\\"", "relay.example.com"));
        Effective e = ConfigLoader.read(f, Map.of("admin.listen", "off"), Map.of("MAILFERRY_SMTPD_MAX_RECIPIENTS", "7",
                "MAILFERRY_HEADERS_DROP", "[\"bcc\", \"x-mailer\"]"));
        String all = roundTrip(e, false);
        assertThat(all).contains("max_recipients = 7  # MAILFERRY_SMTPD_MAX_RECIPIENTS\n")
                .contains("[admin]\nlisten = \"off\"  # command line\n")
                .contains("drop = [\"bcc\", \"x-mailer\"]  # MAILFERRY_HEADERS_DROP\n");
        String set = roundTrip(e, true);
        assertThat(set).isEqualTo("# mailferry config show -n: " + f + "; only the keys set\n"
                + "\n[smtpd]\nhostname = \"relay.example.com\"\nmax_recipients = 7  # MAILFERRY_SMTPD_MAX_RECIPIENTS\n"
                + "max_connections = 20\nmynetworks = [\"10.0.0.0/8\"]\n"
                + "\n[queue]\nlifetime = \"3d\"\n"
                + "\n[relay]\nsmarthost = [\"smtp:[a.example.com]:587\", \"b.example.com\"]\n"
                + "helo_name = \"relay.example.com\"\n"
                + "\n[admin]\nlisten = \"off\"  # command line\n"
                + "\n[headers]\ndrop = [\"bcc\", \"x-mailer\"]  # MAILFERRY_HEADERS_DROP\n");
    }

    @Test
    void secretsAreNeverPrinted() throws Exception {
        Path refresh = file(REFRESH + "\n");
        Path f = file("[relay]\nusername = \"me@example.com\"\noauth2_client_id = \"id\"\n"
                + "oauth2_client_secret = \"" + SECRET + "\"\noauth2_token_endpoint = \"https://oauth2.example.com/t\"\n");
        Effective e = ConfigLoader.read(f, Map.of(), Map.of("MAILFERRY_RELAY_OAUTH2_REFRESH_TOKEN_FILE",
                refresh.toString()));
        for (boolean onlySet : new boolean[] {false, true}) {
            String shown = ConfigText.render(e, onlySet);
            assertThat(shown).doesNotContain(SECRET).doesNotContain(REFRESH)
                    .contains("# oauth2_client_secret = (secret, not shown; set in " + f + ":4)\n")
                    .contains("# oauth2_refresh_token = (secret, not shown; set by "
                            + "MAILFERRY_RELAY_OAUTH2_REFRESH_TOKEN_FILE)\n")
                    .contains("username = \"me@example.com\"\n");
            assertThat(Toml.parse("shown", shown)).doesNotContainKeys("relay.oauth2_client_secret",
                    "relay.oauth2_refresh_token");
        }
    }

    @Test
    void credentialsInWebhookUrlsAreMasked() throws Exception {
        Path f = file("[webhook]\nurl = [\"https://app:hunter2@hooks.example.com/mf?tenant=7&access_token=abc123&x=1\", "
                + "\"https://api.example.net/in?apiKey=k-42#top\", \"https://plain.example.org/events\"]\n");
        Effective e = ConfigLoader.read(f, Map.of(), Map.of());
        for (boolean onlySet : new boolean[] {false, true}) {
            assertThat(ConfigText.render(e, onlySet)).doesNotContain("hunter2", "abc123", "k-42")
                    .contains("url = [\"https://app:***@hooks.example.com/mf?tenant=7&access_token=***&x=1\", "
                            + "\"https://api.example.net/in?apiKey=***#top\", \"https://plain.example.org/events\"]"
                            + "  # credentials in the URL masked\n");
        }
        Effective env = ConfigLoader.read(null, Map.of(), Map.of("MAILFERRY_WEBHOOK_URL",
                "[\"https://u:pw-9@h.example.com/x\"]"));
        assertThat(ConfigText.render(env, true)).doesNotContain("pw-9")
                .contains("url = [\"https://u:***@h.example.com/x\"]  # MAILFERRY_WEBHOOK_URL; credentials in the URL masked\n");
        Effective plain = ConfigLoader.read(file("[webhook]\nurl = \"https://plain.example.org/e?page=2\"\n"), Map.of(),
                Map.of());
        assertThat(ConfigText.render(plain, true)).contains("url = \"https://plain.example.org/e?page=2\"\n");
    }

    @Test
    void quotingEscapesWhatTomlMust() throws Exception {
        String q = ConfigText.quote("a\"b\\c\u0001");
        assertThat(Toml.parse("t", "x = " + q).get("x").value()).isEqualTo("a\"b\\c\u0001");
    }
}
