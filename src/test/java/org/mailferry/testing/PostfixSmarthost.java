package org.mailferry.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Postfix as an authenticating smarthost (test-scripts/postfix-smarthost.sh): STARTTLS-only,
 * implicit-TLS and plain ports on 127.0.0.1, Cyrus sasldb user {@link #USER}/{@link #PASSWORD},
 * a throw-away CA at {@link #caFile()}, every accepted message written to a file under sink/.
 * Started once per test JVM (about 3 s) and stopped at exit. Needs root; skipped without it unless
 * MAILFERRY_REQUIRE_INTEROP=1.
 */
public final class PostfixSmarthost {
    public static final String USER = "relayuser";
    public static final String PASSWORD = "s3cret-Pass";
    private static PostfixSmarthost instance;
    private static PostfixSmarthost senderLogin;

    public final Path dir;
    public final int startTlsPort;
    public final int tlsPort;
    public final int plainPort;

    private PostfixSmarthost(Path dir, int startTlsPort, int tlsPort, int plainPort) {
        this.dir = dir;
        this.startTlsPort = startTlsPort;
        this.tlsPort = tlsPort;
        this.plainPort = plainPort;
    }

    /** The running instance; skips (or fails in CI) when Postfix or root is missing. */
    public static synchronized PostfixSmarthost get() throws IOException, InterruptedException {
        if (instance != null) {
            return instance;
        }
        PostfixSmarthost p = launch(USER, PASSWORD, "", "");
        Runtime.getRuntime().addShutdownHook(new Thread(p::stopQuietly));
        instance = p;
        return p;
    }

    /**
     * An instance of its own (stopped by {@link #stop}), with SASL user {@code user} and more
     * main.cf lines (e.g. "smtpd_client_message_rate_limit = 8"): the quota and per-sender tests.
     */
    public static PostfixSmarthost startOwn(String user, String password, String extraMainCf)
            throws IOException, InterruptedException {
        PostfixSmarthost p = launch(user, password, extraMainCf, "");
        Runtime.getRuntime().addShutdownHook(new Thread(p::stopQuietly));
        return p;
    }

    /**
     * An instance (started once per test JVM, stopped at exit) with one more SASL user, {@code address}
     * itself, the only owner of that sender: every other sender is refused (553 5.7.1,
     * smtpd_sender_login_maps and reject_sender_login_mismatch; postfix-smarthost.sh SENDER_LOGIN).
     */
    public static synchronized PostfixSmarthost withSenderLogin(String address) throws IOException, InterruptedException {
        if (senderLogin == null) {
            PostfixSmarthost p = launch(USER, PASSWORD, "", address);
            Runtime.getRuntime().addShutdownHook(new Thread(p::stopQuietly));
            senderLogin = p;
        }
        return senderLogin;
    }

    private static PostfixSmarthost launch(String user, String password, String extraMainCf, String senderLogin)
            throws IOException, InterruptedException {
        Tools.require("/usr/sbin/postfix", "postfix");
        Tools.require("/usr/sbin/saslpasswd2", "saslpasswd2");
        Tools.require("/usr/bin/openssl", "openssl");
        if (!"root".equals(System.getProperty("user.name"))) {
            String msg = "the Postfix smarthost needs root (its master process does)";
            if (Tools.interopRequired()) {
                throw new AssertionError(msg);
            }
            Assumptions.abort(msg);
        }
        // not a 0700 temp dir: Postfix's unprivileged daemons open files under it
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "mailferry-postfix",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PostfixSmarthost p = new PostfixSmarthost(dir, Tools.freePort(), Tools.freePort(), Tools.freePort());
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "start", dir.toString(),
                "" + p.startTlsPort, "" + p.tlsPort, "" + p.plainPort).redirectErrorStream(true)
                .redirectOutput(dir.resolve("start.log").toFile());
        pb.environment().put("SMARTHOST_USER", user);
        pb.environment().put("SMARTHOST_PASSWORD", password);
        pb.environment().put("EXTRA_MAIN_CF", extraMainCf);
        pb.environment().put("SENDER_LOGIN", senderLogin);
        Process proc = pb.start();
        if (!proc.waitFor(60, TimeUnit.SECONDS) || proc.exitValue() != 0) {
            proc.destroyForcibly();
            throw new AssertionError("postfix-smarthost.sh start failed: " + Files.readString(dir.resolve("start.log")));
        }
        return p;
    }

    private static final Path SCRIPT = Path.of("test-scripts/postfix-smarthost.sh").toAbsolutePath();
    private volatile boolean stopped;

    /** Stops this instance and removes its directory (an own instance; the shared one stops at exit). */
    public void stop() {
        stopQuietly();
    }

    private void stopQuietly() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            new ProcessBuilder("bash", SCRIPT.toString(), "stop", dir.toString()).inheritIO().start()
                    .waitFor(30, TimeUnit.SECONDS);
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        } catch (IOException | InterruptedException e) {
            // exiting anyway
        }
    }

    /** The sink's message files, oldest first; each name starts with its arrival time in epoch nanoseconds. */
    public List<Path> sinkFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("sink"))) {
            return files.sorted().toList();
        }
    }

    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** Messages in the sink that contain {@code marker}, waiting up to {@code timeoutMillis} for one. */
    public List<String> awaitSink(String marker, long timeoutMillis) throws IOException, InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            List<String> found = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir.resolve("sink"))) {
                for (Path f : files.toList()) {
                    String m = Files.readString(f, StandardCharsets.UTF_8);
                    if (m.contains(marker)) {
                        found.add(m);
                    }
                }
            }
            if (!found.isEmpty() || System.currentTimeMillis() > end) {
                return found;
            }
            Thread.sleep(20);
        }
    }

    /** Postfix's own log (maillog_file), e.g. to see the SASL method used. */
    public String maillog() throws IOException {
        return Files.readString(dir.resolve("maillog"), StandardCharsets.UTF_8);
    }
}
