package org.mailferry.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Debian's unbound as a real DNS server on a loopback port, with the records the test gives
 * (unbound.conf {@code local-data} lines in the static zone {@code test.}). It recurses nowhere:
 * every name outside the test's zones is refused. {@code servfail.test.} answers SERVFAIL: it is
 * an auth-zone whose primary cannot be reached and that may not fall back to recursion, unbound's
 * own way of saying "I cannot answer for this zone". Records change while it runs through
 * unbound-control ({@link #replace}). Skipped without unbound, failed if MAILFERRY_REQUIRE_INTEROP=1.
 */
public final class Unbound implements AutoCloseable {
    /** Answers SERVFAIL for itself and every name under it. */
    public static final String SERVFAIL_ZONE = "servfail.test";

    private final Process process;
    private final Path conf;
    private final Path control;
    public final int port;

    /** @param records local-data lines, e.g. {@code "a.test. 60 IN MX 10 mx1.test."} */
    public Unbound(Path dir, String... records) throws IOException, InterruptedException {
        Path bin = Path.of("/usr/sbin/unbound");
        if (!Files.isExecutable(bin) || !Files.isExecutable(Path.of("/usr/sbin/unbound-control"))) {
            String why = "unbound is not installed (apt-get install unbound; .ci/run does)";
            if (Tools.interopRequired()) {
                throw new AssertionError(why + "; MAILFERRY_REQUIRE_INTEROP=1 forbids skipping");
            }
            Assumptions.abort(why);
        }
        port = Tools.freePort();
        conf = dir.resolve("unbound.conf");
        control = dir.resolve("control.sock");
        List<String> lines = new ArrayList<>(List.of(
                "server:",
                "  interface: 127.0.0.1@" + port,
                "  port: " + port,
                "  do-daemonize: no",
                "  username: \"\"",
                "  chroot: \"\"",
                "  directory: \"" + dir + "\"",
                "  pidfile: \"\"",
                "  use-syslog: no",
                "  logfile: \"\"",
                "  verbosity: 1",
                "  do-ip6: no",
                "  module-config: \"iterator\"",
                "  access-control: 127.0.0.0/8 allow",
                "  local-zone: \".\" refuse", // recurse nowhere: no query leaves this machine
                "  local-zone: \"test.\" static",
                "  local-zone: \"" + SERVFAIL_ZONE + ".\" transparent", // on to the auth-zone below
                "  local-data: \"test. 3600 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60\""));
        for (String r : records) {
            lines.add("  local-data: \"" + r + "\"");
        }
        lines.addAll(List.of(
                "auth-zone:",
                "  name: \"" + SERVFAIL_ZONE + ".\"",
                "  primary: 127.0.0.1@9", // never queried: unbound does not query localhost by default
                "  fallback-enabled: no",
                "  for-downstream: yes",
                "  for-upstream: yes",
                "remote-control:",
                "  control-enable: yes",
                "  control-interface: \"" + control + "\"",
                "  control-use-cert: no"));
        Files.write(conf, lines, StandardCharsets.UTF_8);
        process = new ProcessBuilder(bin.toString(), "-d", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("unbound.log").toFile()).start();
        awaitAnswering(dir);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** relay.dns_servers for this server. */
    public String server() {
        return "127.0.0.1:" + port;
    }

    /** Replaces every record of {@code name} with {@code records} (local-data lines), at once. */
    public void replace(String name, String... records) throws IOException, InterruptedException {
        control("local_data_remove", name);
        for (String r : records) {
            control("local_data", r);
        }
    }

    private void control(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/sbin/unbound-control", "-c", conf.toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(conf.getParent(), "control", ".log");
        int rc = Tools.run(command, log, 10);
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (rc != 0 || !out.strip().equals("ok")) {
            throw new AssertionError(String.join(" ", command) + " failed (" + rc + "): " + out);
        }
    }

    private void awaitAnswering(Path dir) throws IOException, InterruptedException {
        SimpleResolver r = new SimpleResolver(address());
        r.setTimeout(Duration.ofMillis(200));
        Message query = Message.newQuery(Record.newRecord(Name.fromString("test."), Type.SOA, DClass.IN));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new AssertionError("unbound exited: " + Files.readString(dir.resolve("unbound.log")));
            }
            try {
                if (r.send(query).getRcode() == Rcode.NOERROR) {
                    return;
                }
            } catch (IOException e) {
                Thread.sleep(20); // not listening yet
            }
        }
        close();
        throw new AssertionError("unbound did not answer in 10 s: " + Files.readString(dir.resolve("unbound.log")));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
