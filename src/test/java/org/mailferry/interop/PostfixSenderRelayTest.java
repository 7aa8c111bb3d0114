package org.mailferry.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.PostfixSmarthost;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submit;

/**
 * Two real Postfix smarthosts with different SASL users: alice's mail goes through the default
 * smarthost A with its login; bob's and carol's through B (relay.sender_relay_map), each with
 * their own login (relay.sender_dependent_authentication, sasl_passwd entries by sender). One
 * delivery worker carries the interleaved messages, so connection reuse is tempted at every
 * turn: Postfix's log ties each message's queue id to the sasl_username it came in with.
 */
class PostfixSenderRelayTest {
    static PostfixSmarthost a;
    static PostfixSmarthost b;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        a = PostfixSmarthost.startOwn("usera", "pass-A-1", "");
        b = PostfixSmarthost.startOwn("userb", "pass-B-2", "");
        // a second user on B: carol's own login, on the same smarthost as bob's
        Process p = new ProcessBuilder("bash", "-c", "printf %s 'pass-C-3' | saslpasswd2 -p -c -f "
                + b.dir.resolve("etc/sasldb2") + " -u localhost carol").redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    @AfterAll
    static void stop() {
        for (PostfixSmarthost p : new PostfixSmarthost[] {a, b}) {
            if (p != null) {
                p.stop();
            }
        }
    }

    private Path file(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    /** Sender of each message that came in over {@code postfix} -> the SASL user it came in with. */
    private static Map<String, List<String>> loginsBySender(PostfixSmarthost postfix) throws Exception {
        Map<String, String> userByQueueId = new HashMap<>();
        Matcher m = Pattern.compile(": ([0-9A-F]+): client=[^,]*, sasl_method=[\\w-]+, sasl_username=(\\S+)")
                .matcher(postfix.maillog());
        while (m.find()) {
            userByQueueId.put(m.group(1), m.group(2));
        }
        Map<String, List<String>> out = new HashMap<>();
        for (Path f : postfix.sinkFiles()) {
            String text = Files.readString(f);
            String id = field(text, "X-Sink-Queue-Id");
            String sender = field(text, "X-Sink-Envelope-From");
            out.computeIfAbsent(sender, k -> new ArrayList<>()).add(userByQueueId.get(id));
        }
        return out;
    }

    private static String field(String message, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ": (.*)$").matcher(message);
        return m.find() ? m.group(1).strip() : null;
    }

    @Test
    void eachSendersMailGoesThroughItsOwnSmarthostWithItsOwnLogin() throws Exception {
        Path ca = dir.resolve("ca.pem");
        Files.writeString(ca, Files.readString(a.caFile()) + Files.readString(b.caFile()));
        Path map = dir.resolve("sender_relay");
        Files.writeString(map, "# as Postfix's sender_dependent_relayhost_maps\n"
                + "bob@example.org    [127.0.0.1]:" + b.startTlsPort + "\n"
                + "@example.org       [127.0.0.1]:" + b.startTlsPort + "\n");
        Path passwords = file("sasl_passwd", "[127.0.0.1]:" + a.startTlsPort + "  usera:pass-A-1\n"
                + "bob@example.org   userb:pass-B-2\n"
                + "@example.org      carol:pass-C-3\n");
        List<String> ids = new ArrayList<>();
        try (RelayFixture r = new RelayFixture(dir.resolve("spool"))
                .set("relay.smarthost", "smtp:[127.0.0.1]:" + a.startTlsPort).set("relay.tls", "starttls")
                .set("relay.ca_file", ca.toString()).set("relay.sasl_passwd", passwords.toString())
                .set("relay.sender_relay_map", map.toString()).set("relay.sender_dependent_authentication", "true")
                .set("relay.concurrency", "1").set("relay.connection_reuse_time", "10s").start()) {
            String[] senders = {"alice@example.com", "bob@example.org", "carol@example.org"};
            for (int i = 0; i < 9; i++) {
                ids.add(Submit.message(r.address(), senders[i % 3], "user@example.net",
                        "<route-" + i + "@example.com>"));
            }
            for (String id : ids) {
                r.await(DeliveryEvent.Delivered.class, id, 60, TimeUnit.SECONDS);
            }
            assertThat(r.eventsOf(DeliveryEvent.Deferred.class)).isEmpty();
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((a.sinkFiles().size() < 3 || b.sinkFiles().size() < 6) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertThat(loginsBySender(a)).isEqualTo(Map.of("<alice@example.com>", List.of("usera", "usera", "usera")));
        assertThat(loginsBySender(b)).isEqualTo(Map.of("<bob@example.org>", List.of("userb", "userb", "userb"),
                "<carol@example.org>", List.of("carol", "carol", "carol")));
        System.out.println("PostfixSenderRelayTest: A " + loginsBySender(a) + "; B " + loginsBySender(b));
    }
}
