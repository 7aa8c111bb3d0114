package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.WebhookSignature;
import org.mailferry.testing.Closer;
import org.mailferry.testing.Outcomes;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.ScriptedSmarthost;
import org.mailferry.testing.Submit;
import org.mailferry.testing.TestSmarthost;

/**
 * A reload reads every credential file again: for each kind, the file is changed (and the
 * smarthost, token endpoint or webhook receiver told to expect the new secret), the relay is
 * reloaded the way serve does it (its ConfigSource read again), and the next attempt uses the new
 * secret. The first delivery, before the change, shows the old one worked.
 */
class CredentialReloadTest {
    private static final String OLD = "old-Secret-0123";
    private static final String NEW = "new-Secret-4567";

    @TempDir
    Path dir;

    @AutoClose
    final Closer closer = new Closer();

    private Path secret(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private RelayFixture relay(ScriptedSmarthost s) {
        return closer.add(new RelayFixture(dir.resolve("spool")).smarthost(s.port()).set("relay.tls", "starttls")
                .set("relay.ca_file", Outcomes.resource(ScriptedSmarthost.CA_PEM).toString()));
    }

    /** Reloads as serve does: the configuration (file, environment, settings) read again from its source. */
    private static void reload(RelayFixture r) {
        r.relay().reloadFrom(r::config);
        Mailferry.Reload done = r.relay().reload();
        assertThat(done.applied()).as(done.text()).isTrue();
    }

    private static void delivered(RelayFixture r, String marker) throws Exception {
        assertThat(Outcomes.andAwait(r, marker)).isInstanceOf(DeliveryEvent.Delivered.class);
    }

    /** Delivered with the old password; the file changed, the smarthost takes only the new one: delivered after the reload. */
    private static void rotatesOnReload(ScriptedSmarthost s, RelayFixture r, Path file, String newText)
            throws Exception {
        delivered(r, "before");
        Files.writeString(file, newText);
        s.accept("PLAIN", NEW);
        reload(r);
        delivered(r, "after");
        assertThat(s.lines).filteredOn(l -> l.startsWith("tls: AUTH PLAIN ")).hasSize(2);
    }

    @Test
    void authinfo() throws Exception {
        ScriptedSmarthost s = closer.add(new ScriptedSmarthost("localhost", false).accept("PLAIN", OLD));
        String line = "AuthInfo:127.0.0.1:" + s.port() + " \"U:relayuser\" \"P:%s\" \"M:PLAIN\"\n";
        Path f = secret("authinfo", line.formatted(OLD));
        RelayFixture r = relay(s).set("relay.authinfo", f.toString()).start();
        rotatesOnReload(s, r, f, line.formatted(NEW));
    }

    @Test
    void saslPasswd() throws Exception {
        ScriptedSmarthost s = closer.add(new ScriptedSmarthost("localhost", false).accept("PLAIN", OLD));
        String line = "[127.0.0.1]:" + s.port() + " relayuser:%s\n";
        Path f = secret("sasl_passwd", line.formatted(OLD));
        RelayFixture r = relay(s).set("relay.sasl_passwd", f.toString()).start();
        rotatesOnReload(s, r, f, line.formatted(NEW));
    }

    @Test
    void passwordCommandReadingAFile() throws Exception {
        ScriptedSmarthost s = closer.add(new ScriptedSmarthost("localhost", false).accept("PLAIN", OLD));
        Path f = secret("password", OLD + "\n");
        RelayFixture r = relay(s).set("relay.username", "relayuser")
                .set("relay.password_command", "[\"cat\", \"" + f + "\"]").start();
        rotatesOnReload(s, r, f, NEW + "\n");
    }

    /**
     * relay.oauth2_client_secret and relay.oauth2_refresh_token from MAILFERRY_..._FILE variables:
     * after the reload the token endpoint is asked again, with the new ones, and the smarthost gets
     * the token it answered.
     */
    @Test
    void oauth2SecretsFromEnvironmentFiles() throws Exception {
        List<String> forms = new CopyOnWriteArrayList<>();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/token", ex -> {
            String form = URLDecoder.decode(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    StandardCharsets.UTF_8);
            forms.add(form);
            String token = form.contains("refresh_token=refresh-" + NEW) ? "token-" + NEW : "token-" + OLD;
            byte[] body = ("{\"access_token\":\"" + token + "\",\"expires_in\":3599}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        closer.add(() -> http.stop(0));
        ScriptedSmarthost s = closer.add(new ScriptedSmarthost("localhost", false).accept("XOAUTH2", "token-" + OLD));
        Path clientSecret = secret("client-secret", "client-" + OLD + "\n");
        Path refresh = secret("refresh-token", "refresh-" + OLD + "\n");
        Map<String, String> env = Map.of("MAILFERRY_RELAY_OAUTH2_CLIENT_SECRET_FILE", clientSecret.toString(),
                "MAILFERRY_RELAY_OAUTH2_REFRESH_TOKEN_FILE", refresh.toString());
        RelayFixture r = relay(s).env(env).set("relay.username", "app@example.com")
                .set("relay.oauth2_client_id", "client-1")
                .set("relay.oauth2_token_endpoint", "http://127.0.0.1:" + http.getAddress().getPort() + "/token")
                .start();
        delivered(r, "before");
        Files.writeString(clientSecret, "client-" + NEW + "\n");
        Files.writeString(refresh, "refresh-" + NEW + "\n");
        s.accept("XOAUTH2", "token-" + NEW);
        reload(r);
        delivered(r, "after");
        assertThat(forms).hasSize(2);
        assertThat(forms.get(0)).contains("client_secret=client-" + OLD, "refresh_token=refresh-" + OLD);
        assertThat(forms.get(1)).contains("client_secret=client-" + NEW, "refresh_token=refresh-" + NEW);
    }

    /** webhook.secret_file: requests posted after the reload are signed with the new secret. */
    @Test
    void webhookSecretFile() throws Exception {
        BlockingQueue<String[]> hooks = new LinkedBlockingQueue<>();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/hook", ex -> {
            hooks.add(new String[] {ex.getRequestHeaders().getFirst(WebhookSignature.HEADER),
                    new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)});
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        http.start();
        closer.add(() -> http.stop(0));
        TestSmarthost smarthost = closer.add(new TestSmarthost());
        Path f = secret("webhook.secret", OLD + "\n");
        RelayFixture r = closer.add(new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port())
                .set("webhook.url", "http://127.0.0.1:" + http.getAddress().getPort() + "/hook")
                .set("webhook.secret_file", f.toString()).set("webhook.events", "[\"received\"]").start());
        Submit.message(r.address(), "app@example.com", "user@example.net", "<before@mailferry.test>");
        assertThat(signedWith(hooks.poll(20, TimeUnit.SECONDS), OLD)).isTrue();
        Files.writeString(f, NEW + "\n");
        reload(r);
        Submit.message(r.address(), "app@example.com", "user@example.net", "<after@mailferry.test>");
        String[] after = hooks.poll(20, TimeUnit.SECONDS);
        assertThat(signedWith(after, NEW)).as("signed with the new secret").isTrue();
        assertThat(signedWith(after, OLD)).isFalse();
    }

    private static boolean signedWith(String[] hook, String secret) {
        assertThat(hook).as("a webhook request").isNotNull();
        String t = hook[0].substring(2, hook[0].indexOf(','));
        return hook[0].equals(WebhookSignature.header(secret.getBytes(StandardCharsets.UTF_8), Long.parseLong(t),
                hook[1]));
    }
}
