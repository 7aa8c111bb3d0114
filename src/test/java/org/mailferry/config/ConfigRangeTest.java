package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 20, "values an operator gets wrong": each is a start-up error naming key, value and fix. */
class ConfigRangeTest {
    @TempDir
    Path dir;

    private String error(String toml) {
        return ConfigLoaderTest.errorOf(dir, toml);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[relay]\\nconcurrency = 100000000|FILE:2: relay.concurrency = 100000000 is out of range: it must be from 1 to 1000 (see docs/configuration.md)",
            "[relay]\\nconcurrency = 0|FILE:2: relay.concurrency = 0 is out of range: it must be from 1 to 1000 (see docs/configuration.md)",
            "[smtpd]\\nmax_connections = 1000000|FILE:2: smtpd.max_connections = 1000000 is out of range: it must be from 1 to 10000 (see docs/configuration.md)",
            "[smtpd]\\nmax_connections_per_client = -1|FILE:2: smtpd.max_connections_per_client = -1 is out of range: it must be from 1 to 10000 (see docs/configuration.md)",
            "[smtpd]\\nmax_line_length = -5|FILE:2: smtpd.max_line_length = -5 is out of range: it must be from 0 to 1048576 (see docs/configuration.md)",
            "[smtpd]\\nmax_message_size = \"3GiB\"|FILE:2: smtpd.max_message_size = 3221225472 is out of range: it must be from 1 to 2GiB (see docs/configuration.md)",
            "[smtpd]\\nmax_message_size = \"10 GB\"|FILE:2: smtpd.max_message_size: '10 GB': GB is ambiguous (1000- or 1024-based); write 10GiB for 10 x 1024^3 bytes, or the number of bytes",
            "[queue]\\nbounce_size_limit = \"50KB\"|FILE:2: queue.bounce_size_limit: '50KB': KB is ambiguous (1000- or 1024-based); write 50KiB for 50 x 1024 bytes, or the number of bytes",
            "[queue]\\njournal_limit = \"1GiB\"|FILE:2: queue.journal_limit = 1073741824 is out of range: it must be from 0 to 64MiB (see docs/configuration.md)",
            "[sendmail]\\nmax_connections = 0|FILE:2: sendmail.max_connections = 0 is out of range: it must be from 1 to 10000 (see docs/configuration.md)",
            "[sendmail]\\nmax_connections_per_user = 99999|FILE:2: sendmail.max_connections_per_user = 99999 is out of range: it must be from 1 to 10000 (see docs/configuration.md)",
            "[smtpd]\\nmax_recipients = 100001|FILE:2: smtpd.max_recipients = 100001 is out of range: it must be from 1 to 100000 (see docs/configuration.md)",
            "[smtpd]\\nmynetworks = \"127.0.0.1\"|FILE:2: smtpd.mynetworks must be a list in brackets, even of one: write mynetworks = [\"127.0.0.1\"]",
            "[relay]\\nhelo_name = \"a\\u0000b\"|FILE:2: relay.helo_name: 'a?b' is not a host name; write a domain name of at most 253 letters, digits, '-' and '.' such as \"mail.example.com\", or an address literal such as \"[192.0.2.1]\"",
            "[relay]\\nhelo_name = \"mail example\"|FILE:2: relay.helo_name: 'mail example' is not a host name; write a domain name of at most 253 letters, digits, '-' and '.' such as \"mail.example.com\", or an address literal such as \"[192.0.2.1]\"",
    })
    void outOfRangeAndMistypedValuesAreStartUpErrors(String toml, String expected) {
        assertThat(error(toml.replace("\\n", "\n"))).isEqualTo(expected);
    }

    @Test
    void aHeloNameOf200000CharactersIsRefusedAndShortened() {
        assertThat(error("[relay]\nhelo_name = \"" + "a".repeat(200_000) + "\"\n"))
                .startsWith("FILE:2: relay.helo_name: '" + "a".repeat(60) + "... (200000 characters)' is not a host name");
    }

    @Test
    void theBoundsThemselvesAreAccepted() throws Exception {
        Path f = dir.resolve("ok.toml");
        Files.writeString(f, """
                [smtpd]
                max_message_size = "2GiB"
                max_line_length = 0
                mynetworks = ["127.0.0.1"]
                [relay]
                concurrency = 1000
                helo_name = "[192.0.2.1]"
                [queue]
                bounce_size_limit = 0
                """);
        Config c = ConfigLoader.load(f, Map.of());
        assertThat(c.relay().concurrency()).isEqualTo(1000);
        assertThat(c.smtpd().maxMessageSizeBytes()).isEqualTo(2L << 30);
        assertThat(c.smtpd().mynetworks()).containsExactly("127.0.0.1");
    }

    @Test
    void everyRangeIsDocumentedBesideItsKey() throws Exception {
        String doc = Files.readString(Path.of("docs/configuration.md"));
        for (Map.Entry<Key, Range> e : Range.OF.entrySet()) {
            String row = doc.lines().filter(l -> l.startsWith("| `" + e.getKey().name() + "` |")).findFirst().orElse("");
            assertThat(row).as(e.getKey().name()).contains("range: " + e.getValue().text());
        }
    }
}
