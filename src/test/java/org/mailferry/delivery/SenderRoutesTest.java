package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigException;
import org.mailferry.config.ConfigLoader;
import org.mailferry.config.Smarthost;
import org.mailferry.message.Address;

/** The route of each envelope sender: relay map entry (address, @domain, <>), login, name, quotas. */
class SenderRoutesTest {
    @TempDir
    Path dir;

    private Config.Relay relay(String map, String saslPasswd, boolean senderAuth) throws Exception {
        Map<String, String> o = new HashMap<>();
        o.put("relay.smarthost", "[default.example]:587");
        o.put("relay.message_rate", "30/1m");
        o.put("queue.spool", dir.resolve("spool").toString());
        if (map != null) {
            Path f = dir.resolve("sender_relay");
            Files.writeString(f, map);
            o.put("relay.sender_relay_map", f.toString());
        }
        if (saslPasswd != null) {
            Path f = dir.resolve("sasl_passwd");
            Files.writeString(f, saslPasswd);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            o.put("relay.sasl_passwd", f.toString());
        }
        o.put("relay.sender_dependent_authentication", "" + senderAuth);
        return ConfigLoader.load(null, o).relay();
    }

    static final String MAP = """
            # sender_dependent_relayhost_maps
            alice@example.com   [m365.example]:587   message_rate=28/1m recipient_daily_limit=9500 connection_limit=3
            @Example.org        [gmail.example]:587,[backup.example]:25
            bob@example.org     DUNNO
            <>                  [bounces.example]:25
            """;
    static final String PASSWORDS = """
            [default.example]:587   relayuser:pw0
            alice@example.com       alice:pw1
            @example.org            org:pw2
            """;

    @ParameterizedTest(name = "{0} -> {1} via {2}")
    @CsvSource({
            "alice@example.com,    alice@example.com,                 m365.example:587",
            "ALICE@EXAMPLE.COM,    alice@example.com,                 m365.example:587",
            "carol@example.org,    @example.org,                      gmail.example:587 backup.example:25",
            "bob@example.org,      default|@example.org,              default.example:587",
            "dave@example.net,     default,                           default.example:587",
            "'',                   <>,                                bounces.example:25",
    })
    void eachSenderGetsItsRoute(String sender, String name, String smarthosts) throws Exception {
        SenderRoutes.Route r = SenderRoutes.of(relay(MAP, PASSWORDS, true), new Address(sender));
        assertThat(r.name()).isEqualTo(name);
        assertThat(String.join(" ", r.smarthosts().stream().map(s -> s.host() + ":" + s.port()).toList()))
                .isEqualTo(smarthosts);
    }

    @Test
    void loginKeyIsTheSendersOnlyWithSenderDependentAuthentication() throws Exception {
        assertThat(SenderRoutes.of(relay(null, PASSWORDS, true), new Address("alice@example.com")))
                .extracting(SenderRoutes.Route::name, SenderRoutes.Route::login)
                .containsExactly("default|alice@example.com", "alice@example.com");
        assertThat(SenderRoutes.of(relay(null, PASSWORDS, true), new Address("zed@example.org")).login())
                .isEqualTo("@example.org");
        assertThat(SenderRoutes.of(relay(null, PASSWORDS, false), new Address("alice@example.com")))
                .extracting(SenderRoutes.Route::name, SenderRoutes.Route::login).containsExactly("default", null);
    }

    @Test
    void quotasAreTheEntrysOrRelayStar() throws Exception {
        Config.Relay relay = relay(MAP, null, false);
        SenderRoutes.Route alice = SenderRoutes.of(relay, new Address("alice@example.com"));
        assertThat(alice.limits().messages()).isEqualTo(28);
        assertThat(alice.limits().recipientsPerDay()).isEqualTo(9500);
        assertThat(alice.limits().connections()).isEqualTo(3);
        assertThat(SenderRoutes.of(relay, new Address("carol@example.org")).limits().none()).isTrue();
        assertThat(SenderRoutes.of(relay, new Address("x@example.net")).limits().messages()).isEqualTo(30);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "alice@example.com | sender_relay:1: a sender relay line is 'sender@domain [smarthost]:port'",
            "alice [h]:25 | sender_relay:1: 'alice' is not a sender key; write user@domain, @domain, or <> for the null sender",
            "@a.example [h]:25 | sender_relay:2: '@a.example' is listed twice; keep one line for it",
            "a@b.example [h]:99999 | sender_relay:1:",
            "a@b.example [h]:25 speed=9 | sender_relay:1: unknown option 'speed=9'",
            "a@b.example [h]:25 message_rate=fast | sender_relay:1: message_rate: 'fast' is not a rate",
            "a@b.example [h]:25 connection_limit=-1 | sender_relay:1: '-1' is out of range: it must be from 0 to 1000",
    })
    void badLinesAreRefusedWithFileAndLine(String line, String message) {
        String text = line.startsWith("@a.example") ? line + "\n" + line + "\n" : line + "\n";
        assertThatThrownBy(() -> relay(text, null, false)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void smarthostSpecIsParsedAsRelaySmarthost() throws Exception {
        Smarthost s = SenderRoutes.of(relay("@x.example smtp:[h.example]:465\n", null, false),
                new Address("a@x.example")).smarthosts().get(0);
        assertThat(s.host()).isEqualTo("h.example");
        assertThat(s.port()).isEqualTo(465);
        assertThat(s.mxLookup()).isFalse();
    }
}
