package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sendmail command's keys: the file (-C or MAILFERRY_CONFIG), then MAILFERRY_* variables over it, as serve. */
class SendmailConfigTest {
    @TempDir
    Path dir;

    @Test
    void environmentVariablesWinOverTheFile() throws Exception {
        Path f = Files.writeString(dir.resolve("m.toml"), "[queue]\nspool = \"/from/file\"\n[smtpd]\nhostname = "
                + "\"file.example\"\n[sendmail]\norigin_domain = \"origin.example\"\n");
        SendmailConfig plain = SendmailConfig.load(null, Map.of("MAILFERRY_CONFIG", f.toString()));
        assertThat(plain).isEqualTo(new SendmailConfig(Path.of("/from/file"), "origin.example", "file.example"));

        SendmailConfig over = SendmailConfig.load(f.toString(), Map.of("MAILFERRY_QUEUE_SPOOL", "/from/env",
                "MAILFERRY_SENDMAIL_ORIGIN_DOMAIN", "env.example", "MAILFERRY_SMTPD_HOSTNAME", "host.env.example"));
        assertThat(over).isEqualTo(new SendmailConfig(Path.of("/from/env"), "env.example", "host.env.example"));

        SendmailConfig hostOnly = SendmailConfig.load(null, Map.of("MAILFERRY_SMTPD_HOSTNAME", "h.example",
                "MAILFERRY_QUEUE_SPOOL", "/s"));
        assertThat(hostOnly).as("the origin follows the host name when neither sets it")
                .isEqualTo(new SendmailConfig(Path.of("/s"), "h.example", "h.example"));
    }

    @Test
    void aBadVariableIsOneLineNamingIt() {
        assertThatThrownBy(() -> SendmailConfig.load(null, Map.of("MAILFERRY_SENDMAIL_ORIGIN_DOMAIN", "not a domain")))
                .hasMessage("MAILFERRY_SENDMAIL_ORIGIN_DOMAIN: sendmail.origin_domain must be a domain name such as "
                        + "\"example.com\"");
        assertThatThrownBy(() -> SendmailConfig.load(null, Map.of("MAILFERRY_QUEUE_SPOLL", "/x")))
                .hasMessageStartingWith("MAILFERRY_QUEUE_SPOLL: no such setting");
    }
}
