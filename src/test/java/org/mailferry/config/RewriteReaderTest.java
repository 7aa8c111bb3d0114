package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rewrite.* keys: defaults, a full section, and each mistake named with file, line and fix. */
class RewriteReaderTest {
    @TempDir
    Path dir;

    @Test
    void offByDefaultWithThisHostsNamesLocal() throws Exception {
        Config.Rewrite r = ConfigLoader.load(null, Map.of("smtpd.hostname", "App1.example.com")).rewrite();
        assertThat(r.masqueradeAs()).isEmpty();
        assertThat(r.localNames()).containsExactly("localhost", "localhost.localdomain", "app1.example.com");
        assertThat(r.masqueradeClasses()).containsExactly("envelope_sender", "header_sender");
        assertThat(r.genericMap().isEmpty()).isTrue();
        assertThat(r.sendAsLogin()).isEmpty();
    }

    @Test
    void readsTheSectionAndTheMapFile() throws Exception {
        Path map = dir.resolve("generic");
        Files.writeString(map, "root alerts@example.com\n@host.internal @example.com\n");
        Path f = dir.resolve("mailferry.toml");
        Files.writeString(f, "[smtpd]\nhostname = \"relay.example.com\"\n[rewrite]\nmasquerade_as = \"Example.COM\"\n"
                + "local_names = [\"host.internal\"]\nmasquerade_domains = [\"!dev.example.com\", \"example.com\"]\n"
                + "masquerade_exceptions = [\"Root\"]\nmasquerade_classes = [\"header_sender\"]\n"
                + "generic_map = \"" + map + "\"\ngeneric_classes = [\"envelope_sender\", \"header_recipient\"]\n"
                + "send_as_login = [\"SMTP.office365.com\"]\n");
        Config.Rewrite r = ConfigLoader.load(f, Map.of()).rewrite();
        assertThat(r.masqueradeAs()).isEqualTo("example.com");
        assertThat(r.localNames()).containsExactly("host.internal", "relay.example.com");
        assertThat(r.masqueradeDomains()).containsExactly("!dev.example.com", "example.com");
        assertThat(r.masqueradeExceptions()).containsExactly("root");
        assertThat(r.masqueradeClasses()).containsExactly("header_sender");
        assertThat(r.genericMap().size()).isEqualTo(2);
        assertThat(r.genericClasses()).containsExactly("envelope_sender", "header_recipient");
        assertThat(r.sendAsLogin()).isEqualTo(List.of("smtp.office365.com"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "masquerade_as = \"example com\"|FILE:2: rewrite.masquerade_as must be a domain name such as \"example.com\"",
            "local_names = [\"local host\"]|FILE:2: rewrite.local_names: 'local host' is not a domain name; write e.g. [\"localhost\", \"host.example.com\"]",
            "masquerade_domains = [\"!\"]|FILE:2: rewrite.masquerade_domains: '!' is not a domain name; write e.g. [\"example.com\", \"!corp.example.com\"]",
            "masquerade_exceptions = [\"root@x\"]|FILE:2: rewrite.masquerade_exceptions: 'root@x' is not a local part; write user names without @, e.g. [\"root\", \"mailer-daemon\"]",
            "masquerade_classes = [\"envelope_recipient\"]|FILE:2: rewrite.masquerade_classes: unknown class 'envelope_recipient'; the classes are envelope_sender, header_sender, header_recipient",
            "generic_classes = [\"headers\"]|FILE:2: rewrite.generic_classes: unknown class 'headers'; the classes are envelope_sender, header_sender, header_recipient",
            "send_as_login = [\"smtp office365\"]|FILE:2: rewrite.send_as_login: 'smtp office365' is not a smarthost name; write the host of relay.smarthost, e.g. [\"smtp.office365.com\"], or [\"*\"]",
            "generic_map = \"DIR/none\"|FILE:2: rewrite.generic_map: cannot read DIR/none (NoSuchFileException); create it or remove the key"})
    void eachMistakeIsNamed(String line, String expected) {
        String toml = "[rewrite]\n" + line.replace("DIR", dir.toString()) + "\n";
        assertThat(ConfigLoaderTest.errorOf(dir, toml).replace(dir.toString(), "DIR")).isEqualTo(expected);
    }

    @Test
    void aBadMapLineNamesTheMapFileAndItsLine() throws Exception {
        Path map = dir.resolve("generic");
        Files.writeString(map, "# ok\nroot alerts@example.com\nwww-data web\n");
        assertThat(ConfigLoaderTest.errorOf(dir, "[rewrite]\ngeneric_map = \"" + map + "\"\n"))
                .isEqualTo(map + ":3: replacement 'web' must be an address (user@example.com) or a domain "
                        + "(@example.com, the local part kept): the smarthost needs a qualified sender");
    }
}
