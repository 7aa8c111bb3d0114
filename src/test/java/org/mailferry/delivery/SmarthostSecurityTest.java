package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.ScriptedSmarthost;
import org.mailferry.testing.Outcomes;

/**
 * TLS and AUTH toward a hand-written smarthost, for what Postfix cannot do here: XOAUTH2 and
 * OAUTHBEARER, a drop right after STARTTLS, expired and wrong-host certificates, pinning.
 */
class SmarthostSecurityTest {
    static final String TOKEN = "ya29.test-Token-0123";
    @TempDir
    Path dir;

    private RelayFixture relay(ScriptedSmarthost server, String tls) {
        return new RelayFixture(dir.resolve("spool")).smarthost(server.port()).set("relay.tls", tls)
                .set("relay.ca_file", Outcomes.resource(ScriptedSmarthost.CA_PEM).toString());
    }

    private static DeliveryEvent deliver(RelayFixture r) throws Exception {
        return Outcomes.andAwait(r, "security test");
    }

    private static String deferred(DeliveryEvent e) {
        assertThat(e).isInstanceOf(DeliveryEvent.Deferred.class);
        return ((DeliveryEvent.Deferred) e).reason();
    }

    @Test
    void xoauth2WithATokenCommandAfterStartTls() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", false).accept("XOAUTH2 PLAIN", TOKEN);
             RelayFixture r = relay(s, "starttls").set("relay.username", "app@example.com")
                     .set("relay.oauth2_token_command", "/bin/echo " + TOKEN).start()) {
            assertThat(deliver(r)).isInstanceOf(DeliveryEvent.Delivered.class);
            assertThat(s.lines).anySatisfy(l -> assertThat(l).startsWith("tls: AUTH XOAUTH2 "));
            assertThat(s.lines).noneMatch(l -> l.startsWith("plain: AUTH") || l.startsWith("plain: MAIL"));
        }
    }

    @Test
    void oauthBearerWithATokenRefreshedFromTheEndpoint() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger calls = new AtomicInteger();
        String[] form = new String[1];
        http.createContext("/token", ex -> {
            calls.incrementAndGet();
            form[0] = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            byte[] body = ("{\"access_token\":\"" + TOKEN + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", true).accept("OAUTHBEARER", TOKEN);
             RelayFixture r = relay(s, "tls").set("relay.username", "app@example.com")
                     .set("relay.oauth2_client_id", "client-1").set("relay.oauth2_refresh_token", "refresh-1")
                     .set("relay.oauth2_token_endpoint", "http://127.0.0.1:" + http.getAddress().getPort() + "/token")
                     .start()) {
            assertThat(deliver(r)).isInstanceOf(DeliveryEvent.Delivered.class);
            assertThat(deliver(r)).isInstanceOf(DeliveryEvent.Delivered.class);
            assertThat(calls.get()).as("the token is cached between connections").isEqualTo(1);
            assertThat(form[0]).contains("grant_type=refresh_token", "client_id=client-1", "refresh_token=refresh-1");
            assertThat(s.lines).anySatisfy(l -> assertThat(l).startsWith("tls: AUTH OAUTHBEARER "));
        } finally {
            http.stop(0);
        }
    }

    @Test
    void aRefusedTokenDefersWithOneLoudLineAndNeverBounces() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", false).accept("XOAUTH2", "another-token");
             org.mailferry.testing.LogCapture log = new org.mailferry.testing.LogCapture("mailferry.qmgr");
             RelayFixture r = relay(s, "starttls").set("relay.username", "app@example.com")
                     .set("relay.oauth2_token_command", "/bin/echo " + TOKEN).start()) {
            DeliveryEvent e = deliver(r);
            assertThat(deferred(e)).contains("AUTH XOAUTH2 as app@example.com", "535 5.7.8");
            assertThat(((DeliveryEvent.Deferred) e).dsn()).isEqualTo("4.7.8");
            assertThat(s.lines).contains("auth-abort: ");
            assertThat(log.lines()).filteredOn(l -> l.startsWith("AUTHENTICATION FAILED")).hasSize(1);
            assertThat(r.eventsOf(DeliveryEvent.Bounced.class)).isEmpty();
            assertThat(String.join("\n", log.lines()) + r.events).doesNotContain(TOKEN);
        }
    }

    @Test
    void aDropAfterStartTlsDefersAndNeverFallsBackToCleartext() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", false).dropAfterStartTls();
             RelayFixture r = relay(s, "starttls").start()) {
            assertThat(deferred(deliver(r))).contains("TLS with 127.0.0.1 failed", "connection closed");
            assertThat(s.lines).containsExactly("plain: EHLO relay.test", "plain: STARTTLS");
            assertThat(s.messages.get()).isZero();
        }
    }

    @Test
    void noStartTlsOfferedDefersWhenStartTlsIsRequired() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", false).withoutStartTls();
             RelayFixture r = relay(s, "starttls").start()) {
            assertThat(deferred(deliver(r))).contains("does not offer STARTTLS");
            assertThat(s.lines).noneMatch(l -> l.contains("MAIL"));
        }
    }

    @Test
    void anExpiredCertificateIsRefusedWithTheReason() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("expired", true);
             RelayFixture r = relay(s, "tls").start()) {
            assertThat(deferred(deliver(r))).contains("certificate expired");
            assertThat(s.lines).isEmpty();
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("other-host", false);
             RelayFixture r = relay(s, "starttls").start()) {
            assertThat(deferred(deliver(r))).contains("hostname mismatch", "not for 127.0.0.1");
            assertThat(s.lines).noneMatch(l -> l.contains("MAIL"));
        }
    }

    @Test
    void withoutTheCaFileTheCertificateIsUnknown() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", true);
             RelayFixture r = new RelayFixture(dir.resolve("spool")).smarthost(s.port()).set("relay.tls", "tls")
                     .start()) {
            assertThat(deferred(deliver(r))).contains("unknown CA", "relay.ca_file");
        }
    }

    @Test
    void aPinMustMatchThePublicKey() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", true);
             RelayFixture wrong = relay(s, "tls").set("relay.tls_pin", "sha256:" + "ab".repeat(32)).start()) {
            String reason = deferred(deliver(wrong));
            assertThat(reason).contains("matches none of relay.tls_pin");
            String actual = reason.replaceAll(".*sha256: ([0-9a-f]{64}).*", "$1");
            wrong.close();
            try (RelayFixture right = new RelayFixture(dir.resolve("spool2")).smarthost(s.port())
                    .set("relay.tls", "tls").set("relay.ca_file", Outcomes.resource(ScriptedSmarthost.CA_PEM).toString())
                    .set("relay.tls_pin", "sha256:" + actual).start()) {
                assertThat(deliver(right)).isInstanceOf(DeliveryEvent.Delivered.class);
            }
        }
    }

    @Test
    void noCredentialsAreSentWithoutTlsUnlessAllowed() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", false).accept("PLAIN", "pw-Plain-77");
             RelayFixture r = relay(s, "none").set("relay.username", "u").set("relay.password_env", "PATH")
                     .start()) {
            assertThat(deferred(deliver(r))).contains("without TLS", "relay.allow_plaintext_auth");
            assertThat(s.lines).noneMatch(l -> l.contains("AUTH"));
        }
    }

    @Test
    void aPasswordFromACommandRunWithoutAShell() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", false).accept("PLAIN", "pw-Cmd-1;x");
             RelayFixture r = relay(s, "starttls").set("relay.username", "u")
                     .set("relay.password_command", "/bin/echo pw-Cmd-1;x").start()) {
            assertThat(deliver(r)).isInstanceOf(DeliveryEvent.Delivered.class);
            assertThat(s.lines).anySatisfy(l -> assertThat(l).startsWith("tls: AUTH PLAIN "));
        }
    }
}
