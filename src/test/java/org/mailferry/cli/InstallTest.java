package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.NativeSendmail;
import org.mailferry.testing.Tools;

/**
 * 'mailferry install' and 'uninstall' on a throwaway root directory (--root): the real /usr and /etc
 * are never touched. Once with plain symlinks and backups, once the Debian way (dpkg-divert and
 * update-alternatives with --root).
 */
class InstallTest {
    private static final Path HOME = Path.of("").toAbsolutePath();

    @TempDir
    Path root;

    private String run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(HOME.resolve("bin/mailferry").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Path jar = Files.writeString(root.resolveSibling(root.getFileName() + "-test.jar"), "not really a jar");
        pb.environment().put("MAILFERRY_JAR", jar.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    private void seedAnotherMta() throws Exception {
        Files.createDirectories(root.resolve("usr/sbin"));
        Files.createDirectories(root.resolve("usr/bin"));
        Files.writeString(root.resolve("usr/sbin/sendmail"), "#!/bin/sh\necho postfix\n");
        Files.createSymbolicLink(root.resolve("usr/bin/mailq"), Path.of("../sbin/sendmail"));
    }

    private String mode(String path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(path)));
    }

    private void assertInstalledFiles() throws Exception {
        assertThat(root.resolve("usr/lib/mailferry/bin/sendmail")).isExecutable();
        assertThat(root.resolve("usr/lib/mailferry/target/mailferry.jar")).exists();
        assertThat(Files.readSymbolicLink(root.resolve("usr/lib/mailferry/var/spool")))
                .as("the installation's default spool (config/DefaultSpool)").isEqualTo(Path.of("/var/spool/mailferry"));
        assertThat(Files.readString(root.resolve("usr/lib/mailferry/bin/lib/site.sh")))
                .contains("/etc/mailferry/mailferry.toml");
        assertThat(Files.readString(root.resolve("etc/mailferry/mailferry.toml"))).contains("/var/spool/mailferry");
        assertThat(Files.readString(root.resolve("etc/systemd/system/mailferry.service")))
                .contains("ExecStart=/usr/lib/mailferry/bin/mailferry serve --config /etc/mailferry/mailferry.toml")
                .contains("ExecReload=/bin/kill -HUP $MAINPID")
                .contains("User=mailferry")
                .contains("\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n");
        assertThat(Files.readString(root.resolve("etc/mailferry/mailferry.toml")))
                .contains("[smtpd]\n", "\nlisten = \"127.0.0.1:25\"\n");
        // every file the unit's Documentation= and the config's comments name is installed
        java.util.regex.Matcher named = java.util.regex.Pattern.compile("(?:file://)?(/usr/(?:lib|share)/[^ \n,;)\"]*[^ \n,;)\".])")
                .matcher(Files.readString(root.resolve("etc/systemd/system/mailferry.service"))
                        + Files.readString(root.resolve("etc/mailferry/mailferry.toml")));
        int count = 0;
        while (named.find()) {
            String path = named.group(1);
            if (!path.startsWith("/usr/lib/mailferry/bin/")) {
                assertThat(root.resolve(path.substring(1))).as(path).exists();
                count++;
            }
        }
        assertThat(count).as("documentation paths named").isGreaterThanOrEqualTo(3);
        assertThat(mode("var/spool/mailferry/queue")).isEqualTo("rwx------");
        assertThat(mode("var/spool/mailferry/maildrop")).isEqualTo("rwx-wx-wx"); // plus the sticky bit (1733)
        assertThat((Integer) Files.getAttribute(root.resolve("var/spool/mailferry/maildrop"), "unix:mode") & 07777)
                .isEqualTo(01733);
    }

    private void assertRestored() throws Exception {
        assertThat(Files.readString(root.resolve("usr/sbin/sendmail"))).contains("echo postfix");
        assertThat(Files.isSymbolicLink(root.resolve("usr/sbin/sendmail"))).isFalse();
        assertThat(Files.readSymbolicLink(root.resolve("usr/bin/mailq"))).isEqualTo(Path.of("../sbin/sendmail"));
        assertThat(root.resolve("usr/bin/newaliases")).doesNotExist();
        assertThat(root.resolve("usr/lib/mailferry")).doesNotExist();
        assertThat(root.resolve("etc/systemd/system/mailferry.service")).doesNotExist();
        assertThat(root.resolve("usr/sbin/sendmail.mailferry-orig")).doesNotExist();
    }

    @Test
    void symlinksWithBackupsAndBack() throws Exception {
        seedAnotherMta();
        run("install", "--root", root.toString());
        assertInstalledFiles();
        assertThat(Files.readSymbolicLink(root.resolve("usr/sbin/sendmail")))
                .isEqualTo(Path.of("/usr/lib/mailferry/bin/sendmail"));
        assertThat(Files.readSymbolicLink(root.resolve("usr/bin/mailq"))).isEqualTo(Path.of("/usr/lib/mailferry/bin/mailq"));
        assertThat(Files.readSymbolicLink(root.resolve("usr/bin/newaliases")))
                .isEqualTo(Path.of("/usr/lib/mailferry/bin/newaliases"));
        assertThat(Files.readString(root.resolve("usr/sbin/sendmail.mailferry-orig"))).contains("echo postfix");

        // the installed copy runs, and uses /etc/mailferry/mailferry.toml by default
        ProcessBuilder pb = new ProcessBuilder(root.resolve("usr/lib/mailferry/bin/newaliases").toString());
        pb.environment().put("MAILFERRY_CLASSPATH", HOME.resolve("target/classes").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("MAILFERRY_CONFIG");
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        if (!Files.exists(Path.of("/etc/mailferry/mailferry.toml"))) {
            assertThat(code).as(out).isEqualTo(Sysexits.EX_NOINPUT);
            assertThat(out).contains("/etc/mailferry/mailferry.toml: no such config file");
        }
        assertNativeClientInstalled();

        String again = run("uninstall", "--root", root.toString());
        assertThat(again).contains("kept /etc/mailferry");
        assertRestored();
        assertThat(root.resolve("etc/mailferry/mailferry.toml")).exists();
        assertThat(root.resolve("var/lib/mailferry")).doesNotExist();
    }

    /**
     * With a C compiler, sendmail's native client is installed and the installed bin/sendmail runs
     * it, with site.sh's default config: it cannot read /etc/mailferry/mailferry.toml here, so it
     * hands over to its Java command, a tripwire (only the native client ever runs that).
     */
    private void assertNativeClientInstalled() throws Exception {
        Path binary = root.resolve("usr/lib/mailferry/target/mailferry-sendmail");
        boolean cc = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "cc")));
        if (!cc && !Tools.interopRequired()) {
            assertThat(binary).doesNotExist();
            return;
        }
        assertThat(binary).isExecutable();
        if (Files.exists(Path.of("/etc/mailferry/mailferry.toml"))) {
            return;
        }
        NativeSendmail.tripwire(root);
        ProcessBuilder pb = new ProcessBuilder(root.resolve("usr/lib/mailferry/bin/sendmail").toString(), "bob");
        pb.environment().remove("MAILFERRY_CONFIG");
        pb.environment().remove("MAILFERRY_NATIVE");
        pb.environment().put("MAILFERRY_SENDMAIL_JVM", root.resolve("jvm").toString());
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        assertThat(p.waitFor()).isEqualTo(NativeSendmail.TRIPWIRE);
        assertThat(Files.readString(root.resolve("jvm.args"))).isEqualTo("bob\n");
    }

    @Test
    void theDebianWayWithDpkgDivertAndAlternatives() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/update-alternatives"))
                && Files.isExecutable(Path.of("/usr/bin/dpkg-divert")), "dpkg tools are not installed");
        seedAnotherMta();
        Files.createDirectories(root.resolve("var/lib/dpkg/alternatives"));
        Files.createDirectories(root.resolve("etc/alternatives"));
        Files.writeString(root.resolve("var/lib/dpkg/diversions"), "");
        run("install", "--root", root.toString());
        assertInstalledFiles();
        assertThat(Files.readSymbolicLink(root.resolve("usr/sbin/sendmail")))
                .isEqualTo(Path.of("/etc/alternatives/mailferry-sendmail"));
        assertThat(Files.readSymbolicLink(root.resolve("etc/alternatives/mailferry-sendmail")))
                .isEqualTo(Path.of("/usr/lib/mailferry/bin/sendmail"));
        assertThat(Files.readString(root.resolve("var/lib/dpkg/diversions"))).contains("/usr/sbin/sendmail");
        assertThat(Files.readString(root.resolve("usr/sbin/sendmail.mailferry-orig"))).contains("echo postfix");

        run("uninstall", "--root", root.toString(), "--purge");
        assertRestored();
        assertThat(Files.readString(root.resolve("var/lib/dpkg/diversions"))).doesNotContain("/usr/sbin/sendmail");
        assertThat(root.resolve("etc/alternatives/mailferry-sendmail").toFile().exists()
                || Files.exists(root.resolve("etc/alternatives/mailferry-sendmail"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(root.resolve("etc/mailferry")).doesNotExist();
        assertThat(root.resolve("var/spool/mailferry")).doesNotExist();
    }

    /**
     * 'install' and the Debian package write one unit (bin/lib/install.sh, mf_unit): the installed
     * file and the one inside the built .deb are the same but for where the documentation lives,
     * and systemd-analyze rates the installed one at most 2.5 (the bound).
     */
    @Test
    void installWritesThePackagesHardenedUnit() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg-deb")), "dpkg-deb is not installed");
        run("install", "--root", root.toString());
        Path out = Files.createDirectories(root.resolve("deb-build")); // inside the throwaway root: removed with it
        String built = run("package", "--out", out.toString());
        Path deb;
        try (var debs = Files.list(out)) {
            deb = debs.filter(f -> f.getFileName().toString().endsWith("_all.deb")).findFirst().orElseThrow();
        }
        Path unpacked = out.resolve("unpacked");
        Process x = new ProcessBuilder("dpkg-deb", "-x", deb.toString(), unpacked.toString()).inheritIO().start();
        assertThat(x.waitFor()).isZero();
        String packaged = Files.readString(unpacked.resolve("lib/systemd/system/mailferry.service"));
        String installed = Files.readString(root.resolve("etc/systemd/system/mailferry.service"));
        assertThat(installed).contains("\nProtectSystem=strict\n", "\nProtectHome=yes\n", "\nPrivateTmp=yes\n",
                "\nPrivateDevices=yes\n", "\nNoNewPrivileges=yes\n",
                "\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n", "\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n",
                "\nExecReload=/bin/kill -HUP $MAINPID\n", "\nSyslogFacility=mail\n", "\nUser=mailferry\n");
        assertThat(installed.replace("file:///usr/lib/mailferry/", "file:///usr/share/doc/mailferry/"))
                .isEqualTo(packaged);
        if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            assertThat(built).containsPattern("systemd-analyze security: exposure [0-2]\\.[0-9]|exposure 2\\.5");
            Process analyze = new ProcessBuilder("systemd-analyze", "security", "--offline=true", "--no-pager",
                    root.resolve("etc/systemd/system/mailferry.service").toString()).redirectErrorStream(true).start();
            String rating = new String(analyze.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            analyze.waitFor();
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("Overall exposure level for mailferry.service: ([0-9.]+)").matcher(rating);
            assertThat(m.find()).as(rating).isTrue();
            assertThat(Double.parseDouble(m.group(1))).as("exposure of the installed unit").isLessThanOrEqualTo(2.5);
        }
    }

    @Test
    void refusesATypoAndASecondInstall() throws Exception {
        run("install", "--root", root.toString());
        ProcessBuilder pb = new ProcessBuilder(HOME.resolve("bin/mailferry").toString(), "install", "--root",
                root.toString()).redirectErrorStream(true);
        pb.environment().put("MAILFERRY_JAR", HOME.resolve("pom.xml").toString());
        Process p = pb.start();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("already installed");
        assertThat(p.waitFor()).isEqualTo(1);
        ProcessBuilder typo = new ProcessBuilder(HOME.resolve("bin/mailferry").toString(), "install", "--rooot", "x")
                .redirectErrorStream(true);
        Process t = typo.start();
        assertThat(new String(t.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("unknown option '--rooot'");
        assertThat(t.waitFor()).isEqualTo(1);
    }
}
