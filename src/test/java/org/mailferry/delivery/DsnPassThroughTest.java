package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.RelayFixture;

/**
 * Interop with Postfix's smtp-sink, which offers DSN and dumps each transaction with the MAIL and
 * RCPT arguments it received (X-Mail-Args, X-Rcpt-Args): our RFC 3461 parameters are passed on
 * unchanged, and no "relayed" notice is made, since the smarthost now owes the reports.
 */
class DsnPassThroughTest {
    private static final Path SMTP_SINK = Path.of("/usr/sbin/smtp-sink");

    @TempDir
    Path spool;
    private Process sink;
    private Path dumps;
    private RelayFixture relay;

    @AfterEach
    void stop() throws IOException {
        if (relay != null) {
            relay.close();
        }
        if (sink != null) {
            sink.destroy();
        }
        if (dumps != null) {
            try (Stream<Path> files = Files.walk(dumps)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void dsnParametersArePassedOnToASmarthostThatOffersDsn() throws Exception {
        boolean required = "1".equals(System.getenv("MAILFERRY_REQUIRE_INTEROP"));
        if (!Files.isExecutable(SMTP_SINK)) {
            assertThat(required).as("smtp-sink (Debian package postfix) is required").isFalse();
            Assumptions.abort("smtp-sink not installed (Debian package postfix)");
        }
        int port = startSink();
        relay = new RelayFixture(spool).smarthost(port).start();
        String id = BounceTest.submit(relay, "<app@example.com> RET=HDRS ENVID=order+2B42",
                "<bob@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+40example.net",
                "<carol@example.net>");
        relay.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);

        String dump = awaitDump();
        assertThat(dump).containsPattern("(?m)^X-Mail-Args: <app@example.com>.* RET=HDRS ENVID=order\\+2B42\\s*$");
        // smtp-sink shows ORCPT with its xtext decoded: we sent rfc822;Bob+40example.net
        assertThat(dump).containsPattern(
                "(?m)^X-Rcpt-Args: <bob@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@example.net\\s*$");
        assertThat(dump).containsPattern("(?m)^X-Rcpt-Args: <carol@example.net>\\s*$");
        assertThat(relay.eventsOf(DeliveryEvent.Received.class)).hasSize(1); // no "relayed" notice of our own
    }

    private int startSink() throws Exception {
        dumps = Files.createTempDirectory("mailferry-sink");
        Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(SMTP_SINK.toString(), "-d", dumps + "/%H%M%S."));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "nobody")); // smtp-sink refuses to keep root privileges
        }
        cmd.addAll(List.of("127.0.0.1:" + port, "10"));
        sink = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dumps.resolve("smtp-sink.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return port;
            } catch (IOException notYet) {
                assertThat(sink.isAlive()).as("smtp-sink: " + Files.readString(dumps.resolve("smtp-sink.log")))
                        .isTrue();
                Thread.sleep(20);
            }
        }
        throw new AssertionError("smtp-sink did not listen on " + port);
    }

    private String awaitDump() throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            try (Stream<Path> files = Files.list(dumps)) {
                List<Path> found = files.filter(p -> !p.getFileName().toString().equals("smtp-sink.log")).toList();
                if (!found.isEmpty()) {
                    String text = Files.readString(found.get(0), StandardCharsets.ISO_8859_1);
                    if (text.contains("X-Rcpt-Args: <carol@example.net>")) {
                        return text;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("smtp-sink wrote no dump in " + dumps);
    }
}
