package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.config.Smarthost;
import org.mailferry.testing.Unbound;

/**
 * Router against a real DNS server (Debian's unbound on a loopback port, records written by this
 * test): MX order, the spread among equal preferences, the implicit MX, NXDOMAIN, SERVFAIL, a
 * timeout, a null MX, and the TTL cache.
 */
class RouterDnsTest {
    @TempDir
    static Path dir;
    private static Unbound unbound;

    @BeforeAll
    static void start() throws Exception {
        unbound = new Unbound(dir,
                "order.test. 60 IN MX 20 mx2.test.",
                "order.test. 60 IN MX 10 mx1.test.",
                "mx1.test. 60 IN A 127.0.0.11",
                "mx2.test. 60 IN A 127.0.0.12",
                "spread.test. 60 IN MX 10 mxa.test.",
                "spread.test. 60 IN MX 10 mxb.test.",
                "spread.test. 60 IN MX 20 mx2.test.",
                "mxa.test. 60 IN A 127.0.0.21",
                "mxb.test. 60 IN A 127.0.0.22",
                "plain.test. 60 IN A 127.0.0.31",
                "plain.test. 60 IN AAAA ::1",
                "text.test. 60 IN TXT \\\"no mail here\\\"",
                "nullmx.test. 60 IN MX 0 .",
                "dangling.test. 60 IN MX 10 nowhere.test.",
                "halfway.test. 60 IN MX 10 host.servfail.test.",
                "halfway.test. 60 IN MX 20 mx2.test.",
                "ttl.test. 2 IN MX 10 mx1.test.");
    }

    @AfterAll
    static void stop() {
        if (unbound != null) {
            unbound.close();
        }
    }

    private static Router router() {
        return new Router(new Dns(List.of(unbound.address()), Duration.ofSeconds(2), Duration.ofSeconds(4)),
                RandomGenerator.getDefault());
    }

    private static List<String> targets(Router router, String smarthost) throws LookupFailure {
        return router.targets(List.of(Smarthost.parse(smarthost))).stream()
                .map(t -> t.hostName() + "=" + t.address().getAddress().getHostAddress() + ":" + t.address().getPort())
                .toList();
    }

    private static void assertFails(Router router, String smarthost, LookupFailure.Kind kind, String message) {
        LookupFailure f = catchThrowableOfType(LookupFailure.class, () -> targets(router, smarthost));
        assertThat(f).as(smarthost + " fails").hasMessage(message);
        assertThat(f.kind()).isEqualTo(kind);
    }

    @Test
    void mxHostsByPreferenceOnTheSmarthostsPort() throws Exception {
        assertThat(targets(router(), "order.test:2525"))
                .containsExactly("mx1.test=127.0.0.11:2525", "mx2.test=127.0.0.12:2525");
    }

    @Test
    void equalPreferencesAreSpreadAndTheWorseOneStaysLast() throws Exception {
        Router router = router();
        Set<String> first = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            List<String> t = targets(router, "spread.test");
            first.add(t.get(0));
            assertThat(t).hasSize(3).last().isEqualTo("mx2.test=127.0.0.12:25");
        }
        assertThat(first).containsExactlyInAnyOrder("mxa.test=127.0.0.21:25", "mxb.test=127.0.0.22:25");
    }

    @Test
    void noMxRecordMeansTheNameItself() throws Exception {
        assertThat(targets(router(), "plain.test:587"))
                .containsExactly("plain.test=127.0.0.31:587", "plain.test=0:0:0:0:0:0:0:1:587");
    }

    @Test
    void bracketsSkipTheMxLookup() throws Exception {
        assertThat(targets(router(), "[plain.test]:25")).containsExactly("plain.test=127.0.0.31:25",
                "plain.test=0:0:0:0:0:0:0:1:25");
        assertFails(router(), "[order.test]:25", LookupFailure.Kind.NO_ADDRESS,
                "order.test: no address record (A or AAAA)"); // has MX records, no address
        assertThat(targets(router(), "[127.0.0.1]:2525")).containsExactly("127.0.0.1=127.0.0.1:2525");
    }

    @Test
    void nxdomainIsNoRouteNotNoMx() {
        assertFails(router(), "nosuch.test", LookupFailure.Kind.NO_SUCH_NAME,
                "MX lookup of nosuch.test: no such domain (NXDOMAIN)");
    }

    @Test
    void aNameWithNeitherMxNorAddressHasNoRoute() {
        assertFails(router(), "text.test", LookupFailure.Kind.NO_ADDRESS,
                "text.test: no address record (A or AAAA)");
    }

    @Test
    void mxHostsWithoutAddressesAreAnErrorNotAFallBackToTheDomain() {
        assertFails(router(), "dangling.test", LookupFailure.Kind.NO_ADDRESS,
                "no MX host of dangling.test has an address: nowhere.test: no such host (NXDOMAIN)");
    }

    @Test
    void servfailIsTemporary() {
        assertFails(router(), Unbound.SERVFAIL_ZONE, LookupFailure.Kind.TEMPORARY,
                "MX lookup of servfail.test: SERVFAIL");
    }

    @Test
    void anMxHostThatCannotBeLookedUpIsSkippedForTheNext() throws Exception {
        assertThat(targets(router(), "halfway.test")).containsExactly("mx2.test=127.0.0.12:25");
    }

    @Test
    void aServerThatNeverAnswersIsATemporaryFailureWithinTheTimeout() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Router router = new Router(new Dns(List.of((InetSocketAddress) silent.getLocalSocketAddress()),
                    Duration.ofMillis(200), Duration.ofMillis(300)), RandomGenerator.getDefault());
            long start = System.nanoTime();
            assertFails(router, "order.test", LookupFailure.Kind.TEMPORARY,
                    "MX lookup of order.test: no answer from the name servers (a timeout or a network error)");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void nullMxMeansTheDomainTakesNoMail() {
        assertFails(router(), "nullmx.test", LookupFailure.Kind.NULL_MX,
                "domain nullmx.test does not accept mail (null MX, RFC 7505)");
    }

    @Test
    void aFailoverSmarthostIsUsedWhenTheFirstHasNoRouteAndTroubleDecidesWhenNoneHas() throws Exception {
        Router router = router();
        assertThat(router.targets(List.of(Smarthost.parse("nullmx.test"), Smarthost.parse("order.test")))
                .stream().map(Router.Target::hostName)).containsExactly("mx1.test", "mx2.test");
        assertThatThrownBy(() -> router.targets(List.of(Smarthost.parse("nullmx.test"),
                Smarthost.parse(Unbound.SERVFAIL_ZONE))))
                .isInstanceOfSatisfying(LookupFailure.class,
                        e -> assertThat(e.kind()).isEqualTo(LookupFailure.Kind.TEMPORARY));
    }

    /** The cache keeps an answer for its TTL (2 s here): a change is seen after it, not before. */
    @Test
    void aChangedRecordIsSeenOnlyAfterItsTtl() throws Exception {
        Router router = router();
        long start = System.nanoTime();
        assertThat(targets(router, "ttl.test")).containsExactly("mx1.test=127.0.0.11:25");
        unbound.replace("ttl.test.", "ttl.test. 2 IN MX 10 mx2.test.");
        assertThat(targets(router, "ttl.test")).as("within the TTL: from the cache")
                .containsExactly("mx1.test=127.0.0.11:25");
        assertThat(targets(router(), "ttl.test")).as("a router with an empty cache asks the server")
                .containsExactly("mx2.test=127.0.0.12:25");
        List<String> now = targets(router, "ttl.test");
        while (now.get(0).startsWith("mx1") && System.nanoTime() - start < Duration.ofSeconds(10).toNanos()) {
            Thread.sleep(50);
            now = targets(router, "ttl.test");
        }
        Duration seen = Duration.ofNanos(System.nanoTime() - start);
        assertThat(now).containsExactly("mx2.test=127.0.0.12:25");
        // dnsjava counts TTLs in whole seconds: a 2 s TTL ends 1 to 2 s after the answer came
        assertThat(seen).isBetween(Duration.ofMillis(1000), Duration.ofMillis(3500));
    }
}
