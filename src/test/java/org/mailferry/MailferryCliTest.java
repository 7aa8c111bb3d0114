package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit codes and one-line errors, never a stack trace. */
class MailferryCliTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Mailferry.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aMissingConfigFileIsOneLineAndExit78() {
        assertThat(run("serve", "--config", dir.resolve("nope.toml").toString())).isEqualTo(78);
        assertThat(err()).isEqualTo("mailferry: " + dir.resolve("nope.toml") + ": no such file; create it or leave "
                + "out --config to use defaults\n");
    }

    @Test
    void aBadKeyNamesFileAndLine() throws Exception {
        Path f = dir.resolve("m.toml");
        Files.writeString(f, "[relay]\n\nsmarthost = \"[a.example:25\"\n");
        assertThat(run("queue", "--config", f.toString())).isEqualTo(78);
        assertThat(err()).startsWith("mailferry: " + f + ":3: relay.smarthost: '[a.example:25' is not a smarthost")
                .doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aBadSmarthostFlagIsRefused() {
        assertThat(run("queue", "--spool", dir.toString(), "--smarthost", "smtp:[x]:0")).isEqualTo(78);
        assertThat(err()).contains("command line").contains("port 0 is out of range");
    }

    @Test
    void unknownOptionsAndCommandsShowUsage() {
        assertThat(run("serve", "--frobnicate")).isEqualTo(64);
        assertThat(err()).startsWith("mailferry: serve: unknown option --frobnicate\nusage: mailferry serve");
        err.reset();
        assertThat(run("fly", "--spool", dir.toString())).isEqualTo(64);
        assertThat(err()).startsWith("mailferry: unknown command 'fly'");
        err.reset();
        assertThat(run("serve", "--smarthost")).isEqualTo(64);
        assertThat(err()).startsWith("mailferry: serve: --smarthost needs a value");
    }

    @Test
    void theQueueOfAnEmptySpool() {
        assertThat(run("queue", "--spool", dir.resolve("spool").toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("Mail queue is empty\n");
    }
}
