package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.cli.Arguments;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.Outcomes;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.ScriptedSmarthost;

/**
 * Issue 12 item 11: {@code relay.tls = auto} (the default) toward a smarthost on a loopback address
 * and a port other than 587 (here an ephemeral one) uses STARTTLS whenever it is offered, requires it
 * with credentials, and never sends credentials without it. Before, auto meant none on loopback and
 * the login was refused although the server offered STARTTLS.
 */
class TlsAutoLoopbackTest {
    @TempDir
    Path dir;

    private RelayFixture relay(ScriptedSmarthost server) {
        return new RelayFixture(dir.resolve("spool")).smarthost(server.port())
                .set("relay.ca_file", Outcomes.resource(ScriptedSmarthost.CA_PEM).toString());
    }

    @Test
    void withCredentialsStartTlsIsUsedOnLoopbackAndTheLoginGoesThrough() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", false).accept("PLAIN", "pw-1");
             RelayFixture r = relay(s).set("relay.username", "u").set("relay.password_command", "/bin/echo pw-1")
                     .start()) {
            assertThat(Outcomes.andAwait(r, "auto on loopback")).isInstanceOf(DeliveryEvent.Delivered.class);
            assertThat(s.lines).contains("plain: STARTTLS").anySatisfy(l -> assertThat(l).startsWith("tls: AUTH PLAIN "));
            assertThat(s.lines).noneMatch(l -> l.startsWith("plain: AUTH") || l.startsWith("plain: MAIL"));
        }
    }

    @Test
    void withoutCredentialsStartTlsIsStillUsedWhenOffered() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", false);
             RelayFixture r = relay(s).start()) {
            assertThat(Outcomes.andAwait(r, "auto on loopback")).isInstanceOf(DeliveryEvent.Delivered.class);
            assertThat(s.lines).contains("plain: STARTTLS").anySatisfy(l -> assertThat(l).startsWith("tls: MAIL"));
        }
    }

    @Test
    void withoutStartTlsMailGoesPlainButCredentialsNever() throws Exception {
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", false).withoutStartTls();
             RelayFixture r = relay(s).start()) {
            assertThat(Outcomes.andAwait(r, "plain loopback")).isInstanceOf(DeliveryEvent.Delivered.class);
            assertThat(s.lines).anySatisfy(l -> assertThat(l).startsWith("plain: MAIL"));
        }
        try (ScriptedSmarthost s = new ScriptedSmarthost("localhost", false).withoutStartTls().accept("PLAIN", "pw-1");
             RelayFixture r = new RelayFixture(dir.resolve("spool2")).smarthost(s.port()).set("relay.username", "u")
                     .set("relay.password_command", "/bin/echo pw-1").start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "credentials, no STARTTLS");
            assertThat(e).isInstanceOf(DeliveryEvent.Deferred.class);
            assertThat(((DeliveryEvent.Deferred) e).reason()).contains("does not offer STARTTLS");
            assertThat(s.lines).noneMatch(l -> l.contains("AUTH"));
        }
    }

    @Test
    void tlsAndAdminListenAreCommandLineFlags() throws Exception {
        Arguments a = Arguments.parse(List.of("--tls", "none", "--admin-listen=off", "--ca-file", "/x/ca.pem"));
        assertThat(a.overrides()).isEqualTo(Map.of("relay.tls", "none", "admin.listen", "off",
                "relay.ca_file", "/x/ca.pem"));
    }
}
