package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.LocalUser;
import org.mailferry.testing.UserProcess;

/**
 * {@code mailferry import} as a command: the configuration on standard output or in -o FILE (never
 * over an existing file without --force), the report on standard error, one line and a sysexits
 * code for each bad input, and nothing written when the result would not load.
 */
class ImportCommandTest {
    @TempDir
    Path dir;
    private Path mc;

    private record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void seed() throws Exception {
        Path authinfo = dir.resolve("authinfo");
        Files.writeString(authinfo, "AuthInfo:smtp.example.com:587 \"U:your_username\" \"P:your_password\" \"M:LOGIN PLAIN\"\n");
        Files.setPosixFilePermissions(authinfo, PosixFilePermissions.fromString("rw-------"));
        mc = Files.writeString(dir.resolve("sendmail.mc"), """
                define(`SMART_HOST', `smtp:[smtp.example.com]:587')dnl
                define(`RELAY_MAILER_ARGS', `TCP $h $p -oem -a')dnl
                FEATURE(`authinfo', `hash -o DIR/authinfo.db')dnl
                """.replace("DIR", dir.toString()));
    }

    private static Run run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Commands.run(List.of(argv), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), null);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void printsTheConfigurationAndReportsOnStandardError() {
        Run r = run("import", mc.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("[relay]\n", "smarthost = \"[smtp.example.com]:587\"\n",
                "authinfo = \"" + dir.resolve("authinfo") + "\"\n").doesNotContain("translated:");
        assertThat(r.err()).contains("sendmail.mc:1: define(`SMART_HOST'", "translated: relay.smarthost",
                "3 directives read: 2 translated, 1 need nothing").doesNotContain("your_password");
    }

    @Test
    void writesAFileButNeverOverOneWithoutForce() throws Exception {
        Path out = dir.resolve("mailferry.toml");
        Run first = run("import", mc.toString(), "-o", out.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).isEmpty();
        assertThat(first.err()).contains("mailferry import: wrote " + out + " (sendmail.mc " + mc + ")");
        String written = Files.readString(out);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-r--r--");
        assertThat(written).contains("smarthost = \"[smtp.example.com]:587\"");

        Files.writeString(out, "# mine\n");
        Run again = run("import", mc.toString(), "-o", out.toString());
        assertThat(again.exit()).isEqualTo(ImportCommand.EX_CANTCREAT);
        assertThat(again.err()).isEqualTo("mailferry import: " + out + " exists; add --force to replace it (nothing"
                + " was written)\n");
        assertThat(Files.readString(out)).isEqualTo("# mine\n");

        Run forced = run("import", mc.toString(), "-o", out.toString(), "--force");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(Files.readString(out)).isEqualTo(written);
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void eachBadInputIsOneLineWithItsExitCode() throws Exception {
        Run missing = run("import", dir.resolve("nope.mc").toString());
        assertThat(missing.exit()).isEqualTo(Sysexits.EX_NOINPUT);
        assertThat(missing.err()).isEqualTo("mailferry import: " + dir.resolve("nope.mc") + ": no such file; give the "
                + "path of sendmail.mc (/etc/mail/sendmail.mc) or main.cf (/etc/postfix/main.cf)\n");

        Path m4 = Files.writeString(dir.resolve("m4.mc"), "dnl\nifdef(`X', `define(`SMART_HOST', `a')')dnl\n");
        Run logic = run("import", m4.toString());
        assertThat(logic.exit()).isEqualTo(Sysexits.EX_CONFIG);
        assertThat(logic.err()).startsWith("mailferry import: " + m4 + ":2: ifdef(...) is m4 logic").endsWith("\n")
                .hasLineCount(1);

        Path cf = Files.writeString(dir.resolve("main.cf"), "relayhost = [smtp.example.com]:587\n"
                + "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = mysql:/etc/postfix/mysql-sasl.cf\n");
        Run map = run("import", cf.toString());
        assertThat(map.exit()).isEqualTo(Sysexits.EX_CONFIG);
        assertThat(map.err()).startsWith("mailferry import: " + cf + ":3: the map type mysql: cannot be read")
                .hasLineCount(1);

        assertThat(run("import").exit()).isEqualTo(Sysexits.EX_USAGE);
        assertThat(run("import", mc.toString(), "--bogus").err()).startsWith("mailferry import: unknown option --bogus");
        assertThat(run("import", "--help").out()).startsWith(ImportCommand.USAGE);
    }

    @Test
    void aResultThatWouldNotLoadIsNotWritten() throws Exception {
        Files.setPosixFilePermissions(dir.resolve("authinfo"), PosixFilePermissions.fromString("rw-r--r--"));
        Path out = dir.resolve("mailferry.toml");
        Run r = run("import", mc.toString(), "-o", out.toString());
        assertThat(r.exit()).isEqualTo(Sysexits.EX_CONFIG);
        assertThat(r.err()).contains("translated: relay.authinfo", "mailferry import: the generated configuration does "
                + "not load as it is (nothing was written): " + dir.resolve("authinfo") + ": holds a secret but has "
                + "mode 0644", "run: chmod 600 " + dir.resolve("authinfo"));
        assertThat(out).doesNotExist();
    }

    /** As an unprivileged user too: a main.cf it may read imports; a credentials file it may not read is one line. */
    @Test
    void anUnprivilegedUserImportsWhatItMayRead() throws Exception {
        UserProcess.open(dir);
        Path cf = Files.writeString(dir.resolve("main.cf"), "myhostname = app1.example.com\n"
                + "relayhost = [smtp.example.com]:587\n");
        Files.setPosixFilePermissions(cf, PosixFilePermissions.fromString("rw-r--r--"));
        Path secret = Files.writeString(dir.resolve("sasl_passwd"), "[smtp.example.com]:587 u:p\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path withAuth = Files.writeString(dir.resolve("auth.cf"), "relayhost = [smtp.example.com]:587\n"
                + "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:" + secret + "\n");
        Files.setPosixFilePermissions(withAuth, PosixFilePermissions.fromString("rw-r--r--"));
        for (UserProcess as : UserProcess.bothWith("eve")) {
            UserProcess.Result plain = mailferry(as, "import", cf.toString());
            assertThat(plain.exit()).as(plain.err()).isZero();
            assertThat(plain.out()).contains("hostname = \"app1.example.com\"", "smarthost = \"[smtp.example.com]:587\"");
            UserProcess.Result auth = mailferry(as, "import", withAuth.toString());
            if (as.user().equals("root")) {
                assertThat(auth.exit()).as(auth.err()).isZero();
            } else {
                assertThat(auth.exit()).isEqualTo(Sysexits.EX_CONFIG);
                assertThat(auth.err()).isEqualTo("mailferry import: " + withAuth + ":3: " + secret + ": cannot read it"
                        + " (permission denied); run the import as a user who may read it (root)\n");
            }
        }
    }

    private UserProcess.Result mailferry(UserProcess as, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", LocalUser.classPath(), "org.mailferry.Mailferry"));
        cmd.addAll(List.of(args));
        return as.cwd(dir).run("", 120, cmd.toArray(String[]::new));
    }
}
