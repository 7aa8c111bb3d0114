package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code mailferry COMMAND --help | -h | --version}: usage or version on stdout, exit 0; no config read. */
class HelpVersionTest {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        // a config file that does not exist: help and version must not read it
        List<String> argv = new java.util.ArrayList<>(List.of(args));
        argv.addAll(List.of("--config", "/nonexistent/mailferry.toml"));
        return Mailferry.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "queue", "status", "check", "config", "passwd", "import", "reload"})
    void eachCommandPrintsItsUsage(String command) {
        assertThat(run(command, "--help")).isZero();
        assertThat(out()).startsWith("usage: mailferry " + command);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        out.reset();
        assertThat(run(command, "-h")).isZero();
        assertThat(out()).startsWith("usage: mailferry " + command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "queue", "status", "check", "config", "passwd", "import", "reload",
            "--version"})
    void versionIsTheProjectVersion(String command) {
        assertThat(command.equals("--version") ? run(command) : run(command, "--version")).isZero();
        assertThat(out()).matches("mailferry [0-9]+\\.[0-9]+\\.[0-9]+(-SNAPSHOT)?\n");
    }

    /** The launcher's own commands (bin/mailferry, shell): usage on stdout, exit 0, nothing done. */
    @ParameterizedTest
    @ValueSource(strings = {"install", "uninstall", "package"})
    void theLaunchersCommandsPrintTheirUsage(String command) throws Exception {
        for (String flag : List.of("--help", "-h")) {
            Process p = new ProcessBuilder("bin/mailferry", command, "--root", "/nonexistent", flag)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(text).isZero();
            assertThat(text).startsWith("usage: mailferry " + command + " [");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "queue", "status", "config"})
    void anUnknownOptionNamesItAndExits64(String command) {
        assertThat(Mailferry.run(List.of(command, "--frobnicate"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("mailferry: " + command
                + ": unknown option --frobnicate\nusage: mailferry " + command);
    }

    @org.junit.jupiter.api.Test
    void passwdRefusesAnOptionAsAUserName() {
        assertThat(Mailferry.run(List.of("passwd", "--frobnicate"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("mailferry: passwd: unknown option --frobnicate");
    }

    @org.junit.jupiter.api.Test
    void helpAloneListsEveryCommand() {
        assertThat(Mailferry.run(List.of("--help"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))).isZero();
        assertThat(out()).startsWith("usage: mailferry COMMAND").contains("config check").contains("config show")
                .contains("MAILFERRY_<SECTION>_<KEY>");
    }
}
