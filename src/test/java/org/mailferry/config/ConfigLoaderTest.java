package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Config load(String toml) throws Exception {
        Path f = dir.resolve("mailferry.toml");
        Files.writeString(f, toml);
        return ConfigLoader.load(f, Map.of());
    }

    private String error(String toml) {
        return errorOf(dir, toml);
    }

    /** The message of the ConfigException that loading {@code toml} gives, its path as FILE. */
    static String errorOf(Path dir, String toml) {
        Path f = dir.resolve("mailferry.toml");
        try {
            Files.writeString(f, toml);
            ConfigLoader.load(f, Map.of());
        } catch (ConfigException e) {
            return e.getMessage().replace(f.toString(), "FILE");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no error for: " + toml);
    }

    @Test
    void dottedKeysAtTheTopLevelAreTheTablesKeys() throws Exception {
        Config c = load("relay.smarthost = \"[b.example]:2525\"\nsmtpd . max_message_size = \"1M\"\n");
        assertThat(c.relay().smarthosts()).extracting(Smarthost::host).containsExactly("b.example");
        assertThat(c.smtpd().maxMessageSizeBytes()).isEqualTo(1024L * 1024);
        assertThat(error("relay.smarthost = \"[a.example]\"\n[relay]\nsmarthost = \"[b.example]\"\n"))
                .isEqualTo("FILE:2: table [relay] was already defined by a dotted key above"
                        + " (use either [relay] or 'relay.key = ...', not both)");
        assertThat(error("[relay]\nsmarthost = \"[a.example]\"\n[smtpd]\nrelay.smarthost = 1\n"))
                .contains("unknown key 'smtpd.relay.smarthost'");
    }

    @Test
    void defaultsAreSafe() throws Exception {
        Config c = ConfigLoader.load(null, Map.of());
        assertThat(c.smtpd().listen().getHostString()).isEqualTo("127.0.0.1");
        assertThat(c.smtpd().listen().getPort()).isEqualTo(2525);
        assertThat(c.queue().spool()).isEqualTo(Path.of("").toAbsolutePath().resolve("var/spool")); // the checkout's
        assertThat(c.relay().smarthosts()).isEmpty();
        assertThat(c.smtpd().maxMessageSizeBytes()).isEqualTo(10L * 1024 * 1024);
        assertThat(c.queue().lifetime()).isEqualTo(Duration.ofDays(5));
        assertThat(c.smtpd().mynetworks()).containsExactly("127.0.0.0/8", "::1/128");
        assertThat(c.log()).isEqualTo(Config.Log.STDOUT);
        assertThat(ConfigLoader.load(null, Map.of("log.target", "syslog")).log().socket()).isEqualTo(Path.of("/dev/log"));
        assertThat(ConfigLoader.load(null, Map.of("log.target", "journald")).log().socket())
                .isEqualTo(Path.of("/run/systemd/journal/stdout"));
    }

    @Test
    void adminAccessKeys() throws Exception {
        Config.Admin d = ConfigLoader.load(null, Map.of()).admin();
        assertThat(d.group()).isEmpty();
        assertThat(d.mailqUsers()).containsExactly("anyone");
        assertThat(d.hostNames()).isEmpty();
        Config.Admin a = load("[admin]\ngroup = \"root\"\nmailq_users = [\"alice\"]\nhost_names = [\"relay.example.com\"]\n")
                .admin();
        assertThat(a.group()).isEqualTo("root");
        assertThat(a.mailqUsers()).containsExactly("alice");
        assertThat(a.hostNames()).containsExactly("relay.example.com");
        assertThat(error("[admin]\ngroup = \"no-such-group-here\"\n")).startsWith("FILE:2: admin.group: there is no group")
                .contains("groupadd no-such-group-here");
        assertThat(error("[admin]\ngroup = \"a b\"\n")).contains("must be a Unix group name");
    }

    @Test
    void readsAFullFile() throws Exception {
        Config c = load("""
                # Mailferry
                [smtpd]
                listen = "[::1]:2600"   # IPv6
                max_message_size = "25MiB"
                max_recipients = 50
                mynetworks = [
                  "127.0.0.0/8",  # loopback
                  "10.0.0.0/8",
                ]
                [queue]
                spool = '/var/spool/mailferry'
                retry_min = "1m"
                lifetime = "2d"
                [relay]
                smarthost = ["smtp:[smtp.example.com]:587", "backup.example.com"]
                concurrency = 8
                """);
        assertThat(c.smtpd().listen().getHostString()).isEqualTo("::1");
        assertThat(c.smtpd().maxMessageSizeBytes()).isEqualTo(25L * 1024 * 1024);
        assertThat(c.smtpd().maxRecipients()).isEqualTo(50);
        assertThat(c.smtpd().mynetworks()).containsExactly("127.0.0.0/8", "10.0.0.0/8");
        assertThat(c.queue().spool()).isEqualTo(Path.of("/var/spool/mailferry"));
        assertThat(c.queue().retryMin()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.relay().smarthosts()).containsExactly(
                new Smarthost("smtp.example.com", 587, false, "smtp:[smtp.example.com]:587"),
                new Smarthost("backup.example.com", 25, true, "backup.example.com"));
        assertThat(c.relay().concurrency()).isEqualTo(8);
    }

    @Test
    void overridesWinOverTheFile() throws Exception {
        Path f = dir.resolve("m.toml");
        Files.writeString(f, "[relay]\nsmarthost = \"a.example\"\n");
        Config c = ConfigLoader.load(f, Map.of("relay.smarthost", "[b.example]:2525"));
        assertThat(c.relay().smarthosts()).extracting(Smarthost::host).containsExactly("b.example");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[smtpd]\\nlisen = \"x\"|FILE:2: unknown key 'smtpd.lisen' (did you mean 'smtpd.listen'?); see docs/configuration.md for the keys",
            "[smtpd]\\nmax_recipients = \"many\"|FILE:2: smtpd.max_recipients must be a whole number, not 'many'",
            "[smtpd]\\nmax_recipients = 0|FILE:2: smtpd.max_recipients = 0 is out of range: it must be from 1 to 100000 (see docs/configuration.md)",
            "[queue]\\nlifetime = \"5 days\"|FILE:2: queue.lifetime: '5 days' is not a duration; write e.g. 300s, 5m, 4h or 5d",
            "[relay]\\nsmarthost = \"[smtp.example.com:587\"|FILE:2: relay.smarthost: '[smtp.example.com:587' is not a smarthost (missing ']'); write smtp:[host]:port, [host]:port, host:port or host",
            "[relay]\\nsmarthost = \"[h]:99999\"|FILE:2: relay.smarthost: '[h]:99999' is not a smarthost (port 99999 is out of range 1-65535); write smtp:[host]:port, [host]:port, host:port or host",
            "[smtpd]\\nlisten = 127.0.0.1|FILE:2: cannot read value '127.0.0.1' (strings need quotes: \"127.0.0.1\")",
            "[smtpd\\nlisten = \"x\"|FILE:1: a table header looks like [name]",
            "[smtpd]\\nlisten = \"x:1\"\\nlisten = \"y:2\"|FILE:3: key 'smtpd.listen' is set twice (first on line 2)",
            "[smtpd]\\nhostname = \"abc|FILE:2: unterminated string (missing \")",
            "[queue]\\nretry_min = \"2h\"\\nretry_max = \"1h\"|FILE:3: queue.retry_max must not be shorter than queue.retry_min",
            "[smtpd]\\nlisten = \"127.0.0.1\"|FILE:2: smtpd.listen: '127.0.0.1' needs address:port, e.g. 127.0.0.1:2525",
            "[log]\\ntarget = \"file\"|FILE:2: log.target must be \"stdout\", \"syslog\" or \"journald\", not \"file\"",
            "[log]\\nformat = \"xml\"|FILE:2: log.format must be \"text\" or \"json\", not \"xml\"",
            "[log]\\nsocket = \"/dev/log\"|FILE:2: log.socket is only for log.target \"syslog\" or \"journald\"; remove it, or set log.target",
    })
    void errorsNameTheFileTheLineAndTheFix(String toml, String expected) {
        assertThat(error(toml.replace("\\n", "\n"))).isEqualTo(expected);
    }

    @Test
    void dnsServersAreAddressesWithAnOptionalPort() throws Exception {
        assertThat(ConfigLoader.load(null, Map.of()).relay().dnsServers()).as("default: resolv.conf's").isEmpty();
        Config c = load("[relay]\ndns_servers = [\"192.0.2.53\", \"127.0.0.1:5353\", \"[::1]:53\", \"2001:db8::53\"]\n");
        assertThat(c.relay().dnsServers()).extracting(a -> a.getAddress().getHostAddress() + " " + a.getPort())
                .containsExactly("192.0.2.53 53", "127.0.0.1 5353", "0:0:0:0:0:0:0:1 53", "2001:db8:0:0:0:0:0:53 53");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"ns.example.com\"|FILE:2: relay.dns_servers: 'ns.example.com': 'ns.example.com' is not an IP address; name servers are given by address, e.g. \"127.0.0.1\" or \"127.0.0.1:5353\"",
            "\"127.0.0.1:dns\"|FILE:2: relay.dns_servers: '127.0.0.1:dns': port 'dns' is not a number",
            "\"127.0.0.1:0\"|FILE:2: relay.dns_servers: '127.0.0.1:0': port 0 is out of range 1-65535",
            "\"[::1\"|FILE:2: relay.dns_servers: '[::1': write an IPv6 address as [2001:db8::53] or [2001:db8::53]:53",
            "\"999.1.1.1\"|FILE:2: relay.dns_servers: '999.1.1.1': '999.1.1.1' is not an IP address",
            "[53]|FILE:2: relay.dns_servers must be a list of strings, e.g. []",
    })
    void aDnsServerThatIsNotAnAddressIsRefusedWithTheFix(String value, String expected) {
        assertThat(error("[relay]\ndns_servers = " + value + "\n")).isEqualTo(expected);
    }

    @Test
    void aMissingFileIsOneClearLine() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.toml"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("nope.toml: no such file");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "smtp:[smtp.example.com]:587|smtp.example.com|587|false",
            "[smtp.example.com]:587|smtp.example.com|587|false",
            "smtp.example.com:587|smtp.example.com|587|true",
            "smtp.example.com|smtp.example.com|25|true",
            "esmtp:[mail.example.org]|mail.example.org|25|false",
            "[IPv6:::1]:2525|::1|2525|false",
            "[::1]:2525|::1|2525|false",
            "192.0.2.7:2525|192.0.2.7|2525|false",
            "relay:[10.0.0.1]:465|10.0.0.1|465|false",
    })
    void parsesSmarthostsAsUsersWriteThem(String spec, String host, int port, boolean mx) {
        Smarthost s = Smarthost.parse(spec);
        assertThat(List.of(s.host(), s.port(), s.mxLookup())).containsExactly(host, port, mx);
    }
}
