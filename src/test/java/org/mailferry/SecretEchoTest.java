package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.AdminClient;
import org.mailferry.testing.LocalUser;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.Outcomes;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.ScriptedSmarthost;
import org.mailferry.testing.Submit;

/**
 * Issue 14, item 6: a smarthost whose 535 quotes our AUTH line (its base64 is the password) must
 * not get the password into any output: the log, the spool files, mailq (as root and as an
 * unprivileged user), status, mailferry check, the admin API, metrics, the webhooks.
 */
class SecretEchoTest {
    private static final String USER = "app@example.com";
    private static final String PASSWORD = "Tr0ub4dor-and-3-Horses";

    @TempDir
    Path dir;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aSmarthostEchoingTheAuthLineLeaksThePasswordNowhere() throws Exception {
        LocalUser eve = LocalUser.require("eve");
        LocalUser.openPath(dir);
        List<String> hooks = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        receiver.createContext("/hook", x -> {
            hooks.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        receiver.start();
        List<String> outputs = new ArrayList<>();
        try (LogCapture log = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME);
             ScriptedSmarthost smarthost = new ScriptedSmarthost("localhost", false).accept("PLAIN", "not-it").echoAuth();
             RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port())
                     .set("relay.tls", "starttls")
                     .set("relay.ca_file", Outcomes.resource(ScriptedSmarthost.CA_PEM).toString())
                     .set("relay.username", USER).set("relay.password_command", "/bin/echo " + PASSWORD)
                     .set("queue.retry_min", "1h").set("queue.retry_max", "2h")
                     .set("webhook.url", "[\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\", "
                             + "\"http://127.0.0.1:9/unreachable\"]")
                     .start()) {
            String id = Submit.message(relay.address(), "app@example.com", "user@example.net", "<echo@example.com>");
            DeliveryEvent.Deferred deferred = relay.await(DeliveryEvent.Deferred.class, id, 20, TimeUnit.SECONDS);
            assertThat(smarthost.lines).as("the password was really sent")
                    .anySatisfy(l -> assertThat(l).contains(b64("\0" + USER + "\0" + PASSWORD)));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (hooks.stream().noneMatch(h -> h.contains("\"deferred\"")) && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertThat(hooks).anySatisfy(h -> assertThat(h).contains("\"deferred\"", "535"));

            outputs.add("event: " + deferred.reason());
            outputs.addAll(log.lines());
            outputs.addAll(hooks);
            outputs.add(cli("queue", "--spool=" + relay.spool));
            outputs.add(cli("queue", "show", id, "--spool=" + relay.spool));
            outputs.add(cli("status", id, "--spool=" + relay.spool));
            Path checkConfig = dir.resolve("check.toml");
            Files.writeString(checkConfig, "[relay]\nsmarthost = \"[127.0.0.1]:" + smarthost.port() + "\"\ntls = \"starttls\"\n"
                    + "ca_file = \"" + Outcomes.resource(ScriptedSmarthost.CA_PEM) + "\"\nusername = \"" + USER + "\"\n"
                    + "password_command = [\"/bin/echo\", \"" + PASSWORD + "\"]\n");
            String check = cli("check", "--config", checkConfig.toString());
            assertThat(check).startsWith("1 ").contains("535");
            outputs.add(check);
            Path config = dir.resolve("mailferry.toml");
            Files.writeString(config, "[queue]\nspool = \"" + relay.spool + "\"\n");
            LocalUser.Result mailq = eve.bin("mailq", config, List.of(), null);
            assertThat(mailq.out()).as(mailq.err()).contains(id);
            outputs.add(mailq.all());
            AdminClient admin = new AdminClient(relay);
            outputs.add(admin.get("/queue").body());
            outputs.add(admin.get("/messages/" + id).body());
            outputs.add(admin.get("/metrics").body());
            try (Stream<Path> files = Files.walk(relay.spool)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    outputs.add(f + ": " + new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
                }
            }
        } finally {
            receiver.stop(0);
        }
        assertThat(String.join("\n", outputs)).contains("535")
                .doesNotContain(PASSWORD)
                .doesNotContain(b64(PASSWORD))
                .doesNotContain(b64("\0" + USER + "\0" + PASSWORD))
                .doesNotContain(b64("\0" + USER + "\0" + PASSWORD).substring(8, 30))
                .contains("authentication failed for: [scrubbed]");
    }

    private static String cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int code = Mailferry.run(List.of(args), ps, ps);
        return code + " " + out.toString(StandardCharsets.UTF_8);
    }
}
