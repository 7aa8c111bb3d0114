package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * --help and --version on the sendmail-compatible commands; -h (hop count) and -V (envelope id)
 * keep their sendmail meanings, and an unknown option stays a usage error (64).
 */
class SendmailHelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"sendmail", "mailq", "newaliases"})
    void helpPrintsTheUsageOnStandardOutput(String command) {
        SendmailRun r = SendmailRun.run(command, "", List.of("--help"));
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("usage: sendmail [options]").contains("--version");
        assertThat(r.err()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sendmail", "mailq", "newaliases"})
    void versionPrintsTheProjectVersion(String command) {
        SendmailRun r = SendmailRun.run(command, "", List.of("--version"));
        assertThat(r.code()).isZero();
        assertThat(r.out()).matches("mailferry [0-9]+\\.[0-9]+\\.[0-9]+(-SNAPSHOT)?\n");
    }

    @org.junit.jupiter.api.Test
    void hAndVKeepTheirSendmailMeanings() throws Exception {
        SendmailOptions o = SendmailOptions.parse("sendmail", List.of("-h", "5", "-V", "env1", "a@x"));
        assertThat(o.mode()).isEqualTo(SendmailOptions.Mode.SEND);
        assertThat(o.envId()).isEqualTo("env1");
        assertThat(o.recipients()).containsExactly("a@x");
        // after the options, --help is a recipient like any other word
        assertThat(SendmailOptions.parse("sendmail", List.of("a@x", "--help")).mode())
                .isEqualTo(SendmailOptions.Mode.SEND);
    }

    @org.junit.jupiter.api.Test
    void anUnknownLongOptionIsAUsageError() {
        SendmailRun r = SendmailRun.run("sendmail", "", List.of("--frobnicate"));
        assertThat(r.code()).isEqualTo(64);
        assertThat(r.err()).startsWith("sendmail: unknown option --frobnicate\nusage: sendmail");
    }
}
