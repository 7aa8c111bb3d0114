package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SendmailOptionsTest {

    private static SendmailOptions parse(String... args) throws SendmailOptions.UsageException {
        return SendmailOptions.parse("sendmail", List.of(args));
    }

    @Test
    void combinedFlagsAttachedAndSeparateValues() throws Exception {
        SendmailOptions o = parse("-ti", "-fme@example.org", "-F", "Jane Doe", "-odb", "-oem", "-oi", "a@x", "b@y");
        assertThat(o.extractRecipients()).isTrue();
        assertThat(o.ignoreDots()).isTrue();
        assertThat(o.sender()).isEqualTo("me@example.org");
        assertThat(o.fullName()).isEqualTo("Jane Doe");
        assertThat(o.recipients()).containsExactly("a@x", "b@y");
        assertThat(o.mode()).isEqualTo(SendmailOptions.Mode.SEND);
    }

    @Test
    void optionsEndAtTheFirstRecipientOrDoubleDash() throws Exception {
        assertThat(parse("a@x", "-t").recipients()).containsExactly("a@x", "-t");
        assertThat(parse("--", "-weird@x").recipients()).containsExactly("-weird@x");
        assertThat(parse("-r", "bounce@x", "-oi").sender()).isEqualTo("bounce@x");
        assertThat(parse("-oi").ignoreDots()).isTrue();
        assertThat(parse("-o", "i").ignoreDots()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "-bm|SEND", "-bp|LIST", "-bs|SMTP", "-bi|NEWALIASES", "-I|NEWALIASES", "-q|FLUSH",
            "-qRexample.com|FLUSH", "-q30m|SEND", "-odi|SEND", "-h|SEND", "-L|SEND", "-B|SEND", "-X|SEND"})
    void modes(String arg, SendmailOptions.Mode mode) throws Exception {
        List<String> args = arg.matches("-[hLBX]") ? List.of(arg, "value") : List.of(arg);
        assertThat(SendmailOptions.parse("sendmail", args).mode()).isEqualTo(mode);
    }

    @Test
    void commandNameSelectsTheMode() throws Exception {
        assertThat(SendmailOptions.parse("mailq", List.of()).mode()).isEqualTo(SendmailOptions.Mode.LIST);
        assertThat(SendmailOptions.parse("newaliases", List.of()).mode()).isEqualTo(SendmailOptions.Mode.NEWALIASES);
    }

    @Test
    void dsnOptionsAreNormalised() throws Exception {
        SendmailOptions o = parse("-N", "success,failure", "-R", "hdrs", "-V", "abc123", "a@x");
        assertThat(o.dsnNotify()).isEqualTo("SUCCESS,FAILURE");
        assertThat(o.dsnRet()).isEqualTo("HDRS");
        assertThat(o.envId()).isEqualTo("abc123");
        assertThat(parse("-Nnever", "a@x").dsnNotify()).isEqualTo("NEVER");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "-k|unknown option -k",
            "-f|option -f needs a value",
            "-N bogus|-N bogus: NOTIFY must be NEVER",
            "-N never,success|cannot be combined with other values",
            "-R most|-R most",
            "-bd|mailferry serve",
            "-bz|-bz is not supported"})
    void mistakesAreUsageErrors(String args, String message) {
        assertThatThrownBy(() -> parse(args.split(" ")))
                .isInstanceOf(SendmailOptions.UsageException.class).hasMessageContaining(message);
    }

    @Test
    void lineBreaksInArgumentsAreRefused() {
        assertThatThrownBy(() -> parse("-F", "Jane\nBcc: victim@example.com", "a@x"))
                .isInstanceOf(SendmailOptions.UsageException.class).hasMessageContaining("line break");
        assertThatThrownBy(() -> parse("-fme@x\r\nX: y", "a@x"))
                .isInstanceOf(SendmailOptions.UsageException.class);
        assertThatThrownBy(() -> parse("a@x\nb@y")).isInstanceOf(SendmailOptions.UsageException.class);
        assertThatThrownBy(() -> parse("-V", "id\u0000")).isInstanceOf(SendmailOptions.UsageException.class);
    }
}
