package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.Outcomes;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.Unbound;

/**
 * The whole relay with an unbracketed smarthost, its MX looked up in a real DNS server (unbound on
 * loopback, relay.dns_servers): delivered through the MX host; a null MX bounces with 5.1.10 at
 * the first attempt; SERVFAIL defers with 4.4.3; a smarthost domain that does not exist defers with 4.3.5 (a
 * configuration problem: Postfix's "relayhost configuration problem"), never a bounce.
 */
class MxDeliveryTest {
    @TempDir
    static Path dns;
    @TempDir
    Path spool;
    private static Unbound unbound;

    @BeforeAll
    static void start() throws Exception {
        unbound = new Unbound(dns,
                "relay.test. 60 IN MX 10 smtp.relay.test.",
                "smtp.relay.test. 60 IN A 127.0.0.1",
                "nullmx.test. 60 IN MX 0 .");
    }

    @AfterAll
    static void stop() {
        if (unbound != null) {
            unbound.close();
        }
    }

    private RelayFixture relay(String smarthost) {
        return new RelayFixture(spool).set("relay.smarthost", smarthost).set("relay.dns_servers", unbound.server());
    }

    @Test
    void deliveredThroughTheMxHost() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture r = relay("relay.test:" + smarthost.port()).start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "through-mx");
            assertThat(e).isInstanceOfSatisfying(DeliveryEvent.Delivered.class,
                    d -> assertThat(d.relay()).isEqualTo("smtp.relay.test[127.0.0.1]:" + smarthost.port()));
            assertThat(smarthost.next().recipients()).containsExactly("user@example.net");
        }
    }

    @Test
    void aNullMxBouncesAtOnceWith5110() throws Exception {
        try (RelayFixture r = relay("nullmx.test:25").start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "null-mx");
            assertThat(e).isInstanceOfSatisfying(DeliveryEvent.Bounced.class, b -> {
                assertThat(b.dsn()).isEqualTo("5.1.10");
                assertThat(b.reason()).isEqualTo("domain nullmx.test does not accept mail (null MX, RFC 7505)");
                assertThat(b.relay()).isEqualTo("none");
                assertThat(b.expired()).isFalse();
            });
        }
    }

    @Test
    void servfailDefersWith443() throws Exception {
        try (RelayFixture r = relay(Unbound.SERVFAIL_ZONE + ":25").start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "servfail");
            assertThat(e).isInstanceOfSatisfying(DeliveryEvent.Deferred.class, d -> {
                assertThat(d.dsn()).isEqualTo("4.4.3");
                assertThat(d.reason()).isEqualTo("MX lookup of servfail.test: SERVFAIL");
                assertThat(Duration.between(d.time(), d.nextAttempt())).isPositive();
            });
        }
    }

    @Test
    void aSmarthostDomainThatDoesNotExistDefersWith435() throws Exception {
        try (RelayFixture r = relay("nosuch.test:25").start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "nxdomain");
            assertThat(e).isInstanceOfSatisfying(DeliveryEvent.Deferred.class, d -> {
                assertThat(d.dsn()).isEqualTo("4.3.5");
                assertThat(d.reason()).isEqualTo("MX lookup of nosuch.test: no such domain (NXDOMAIN)");
                assertThat(Duration.between(d.time(), d.nextAttempt())).isPositive();
            });
        }
    }
}
