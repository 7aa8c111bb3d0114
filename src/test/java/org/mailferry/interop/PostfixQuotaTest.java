package org.mailferry.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.cli.QueueListing;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.PostfixSmarthost;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submit;

/**
 * A real Postfix smarthost that throttles (smtpd_client_message_rate_limit: anvil, 8 messages per
 * 10 s from one client): without a limit of its own the relay runs into Postfix's real
 * "450 4.7.1 Error: too much mail from", recognised as a quota reply that pauses the route; with
 * relay.message_rate = 6/10s it stays under, every message arrives, none deferred or bounced, and
 * the rate measured at Postfix's sink is within 10% of the limit.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class PostfixQuotaTest {
    static final int POSTFIX_LIMIT = 8;
    static PostfixSmarthost postfix;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        postfix = PostfixSmarthost.startOwn(PostfixSmarthost.USER, PostfixSmarthost.PASSWORD, String.join("\n",
                "smtpd_client_message_rate_limit = " + POSTFIX_LIMIT,
                "anvil_rate_time_unit = 10s",
                "smtpd_client_event_limit_exceptions ="));
    }

    @AfterAll
    static void stop() {
        if (postfix != null) {
            postfix.stop();
        }
    }

    private RelayFixture relay(String spool, String rate) throws Exception {
        Path f = dir.resolve(spool + "-authinfo");
        Files.writeString(f, "AuthInfo:127.0.0.1:" + postfix.startTlsPort + " \"U:" + PostfixSmarthost.USER
                + "\" \"P:" + PostfixSmarthost.PASSWORD + "\" \"M:PLAIN\"\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return new RelayFixture(dir.resolve(spool)).set("relay.smarthost", "smtp:[127.0.0.1]:" + postfix.startTlsPort)
                .set("relay.tls", "starttls").set("relay.ca_file", postfix.caFile().toString())
                .set("relay.authinfo", f.toString()).set("relay.message_rate", rate).start();
    }

    private static String mailq(RelayFixture r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QueueListing.print(r.relay().spool(), new PrintStream(out, true, StandardCharsets.UTF_8), ZoneOffset.UTC);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void withoutALimitPostfixThrottlesAndTheRouteIsPaused() throws Exception {
        try (RelayFixture r = relay("unlimited", "0")) {
            for (int i = 0; i < 2 * POSTFIX_LIMIT; i++) {
                Submit.message(r.address(), "app@example.com", "user@example.net", "<burst-" + i + "@example.com>");
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (r.eventsOf(DeliveryEvent.Deferred.class).isEmpty() && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            DeliveryEvent.Deferred d = r.eventsOf(DeliveryEvent.Deferred.class).get(0);
            assertThat(d.reason()).contains("450 4.7.1 Error: too much mail from 127.0.0.1");
            assertThat(d.dsn()).isEqualTo("4.7.1");
            end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!mailq(r).contains("route default paused") && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertThat(r.relay().runner().pausedRoutes()).isEqualTo(1);
            assertThat(r.eventsOf(DeliveryEvent.Bounced.class)).isEmpty();
            assertThat(postfix.maillog()).contains("warning: Message delivery request rate limit exceeded: "
                    + (POSTFIX_LIMIT + 1) + " from");
        }
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void theRelaysOwnLimitKeepsUnderPostfixsAtTheConfiguredRate() throws Exception {
        Thread.sleep(11_000); // the first test's anvil window (10 s) passes
        int before = postfix.sinkFiles().size();
        int n = 20;
        try (RelayFixture r = relay("limited", "6/10s")) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(Submit.message(r.address(), "app@example.com", "user@example.net",
                        "<paced-" + i + "@example.com>"));
            }
            for (String id : ids) {
                r.await(DeliveryEvent.Delivered.class, id, 60, TimeUnit.SECONDS);
            }
            assertThat(r.eventsOf(DeliveryEvent.Deferred.class)).as("no 4xx from Postfix").isEmpty();
            assertThat(r.eventsOf(DeliveryEvent.Bounced.class)).isEmpty();
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (postfix.sinkFiles().size() < before + n && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        List<Path> files = postfix.sinkFiles();
        List<Long> times = new ArrayList<>();
        for (Path f : files.subList(before, files.size())) {
            if (Files.readString(f).contains("paced-")) {
                times.add(Long.parseLong(f.getFileName().toString().split("-")[0]));
            }
        }
        assertThat(times).hasSize(n);
        double seconds = (times.get(n - 1) - times.get(0)) / 1e9;
        double rate = (n - 1) / seconds;
        System.out.printf("PostfixQuotaTest: %d messages in %.2f s at the sink: %.3f/s (limit 0.600/s)%n", n,
                seconds, rate);
        assertThat(rate).as("messages per second at the sink").isBetween(0.54, 0.66);
    }
}
