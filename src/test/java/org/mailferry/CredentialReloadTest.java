package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.admin.AdminToken;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.WebhookSignature;
import org.mailferry.testing.Closer;
import org.mailferry.testing.Outcomes;
import org.mailferry.testing.PgCluster;
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

    /**
     * Delivered with the old password; the file changed, the smarthost takes only the new one:
     * delivered after the reload.
     */
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

    /**
     * SPOOL/admin.token: an operator writes a new token and reloads; the old one gets 401, the new
     * one 200, and a console session opened with the old one is over. A token file others may read
     * is refused with the fix, and the token in use stays.
     */
    @Test
    void adminTokenFile() throws Exception {
        TestSmarthost smarthost = closer.add(new TestSmarthost());
        RelayFixture r = closer.add(new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port()).start());
        String old = AdminToken.read(r.spool);
        String base = "http://127.0.0.1:" + r.relay().adminAddress().getPort();
        HttpClient http = closer.add(HttpClient.newHttpClient());
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "/console/login"))
                .header("Origin", base).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + old)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        assertThat(status(http, base + "/queue", "Authorization", "Bearer " + old)).isEqualTo(200);
        assertThat(status(http, base + "/console/api/queue", "Cookie", cookie)).isEqualTo(200);

        String fresh = "rotated-" + NEW + "-0123456789abcdefghij";
        Path file = AdminToken.of(r.spool);
        Files.writeString(file, fresh + "\n");
        reload(r);
        assertThat(status(http, base + "/queue", "Authorization", "Bearer " + old)).isEqualTo(401);
        assertThat(status(http, base + "/queue", "Authorization", "Bearer " + fresh)).isEqualTo(200);
        assertThat(status(http, base + "/console/api/queue", "Cookie", cookie)).as("the old login").isEqualTo(401);

        Files.writeString(file, "another-" + NEW + "-0123456789abcdefghij\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Mailferry.Reload refused = r.relay().reload();
        assertThat(refused.applied()).isFalse();
        assertThat(refused.text()).isEqualTo("reload refused: " + file + " may be read or written by other users; "
                + "chmod 600 " + file + "; still running on the previous configuration");
        assertThat(status(http, base + "/queue", "Authorization", "Bearer " + fresh)).isEqualTo(200);

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(file, "short\n");
        assertThat(r.relay().reload().text()).contains(file + " does not hold a token of at least 32 characters");
        assertThat(status(http, base + "/queue", "Authorization", "Bearer " + fresh)).isEqualTo(200);
    }

    /**
     * queue.postgresql_password_file: the role's password is changed in PostgreSQL and in the file,
     * the relay reloaded; the pool's connections are replaced by ones that logged in with the new
     * password (backend_start after the reload; only the LISTEN connection keeps its session, which
     * PostgreSQL never checks again), and the next message is queued and delivered through them.
     */
    @Test
    void postgresqlPasswordFile() throws Exception {
        PgCluster pg = PgCluster.shared();
        String url = pg.newDatabase();
        String role = "rotating" + url.substring(url.lastIndexOf("/db") + 3);
        try (Connection admin = DriverManager.getConnection(pg.url(), PgCluster.USER, pg.password);
             Statement sql = admin.createStatement()) {
            sql.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + OLD + "'");
            sql.execute("ALTER DATABASE " + url.substring(url.lastIndexOf('/') + 1) + " OWNER TO " + role);
            Path file = secret("pgpass", OLD + "\n");
            TestSmarthost smarthost = closer.add(new TestSmarthost());
            RelayFixture r = closer.add(new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port())
                    .set("queue.backend", "postgresql").set("queue.postgresql_url", url)
                    .set("queue.postgresql_user", role).set("queue.postgresql_password_file", file.toString())
                    .set("queue.postgresql_pool_size", "4").start());
            delivered(r, "before");

            sql.execute("ALTER ROLE " + role + " PASSWORD '" + NEW + "'");
            Files.writeString(file, NEW + "\n");
            Timestamp reloaded;
            try (ResultSet now = sql.executeQuery("SELECT now()")) {
                now.next();
                reloaded = now.getTimestamp(1);
            }
            reload(r);
            String sessions = "SELECT count(*) FILTER (WHERE backend_start < ?),"
                    + " count(*) FILTER (WHERE backend_start >= ?)"
                    + " FROM pg_stat_activity WHERE usename = ? AND query NOT LIKE 'LISTEN %'";
            long[] counts = {-1, -1};
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            try (PreparedStatement q = admin.prepareStatement(sessions)) {
                q.setTimestamp(1, reloaded);
                q.setTimestamp(2, reloaded);
                q.setString(3, role);
                while (System.nanoTime() < end && !(counts[0] == 0 && counts[1] > 0)) {
                    try (ResultSet rs = q.executeQuery()) {
                        rs.next();
                        counts[0] = rs.getLong(1);
                        counts[1] = rs.getLong(2);
                    }
                    Thread.sleep(20);
                }
            }
            assertThat(counts).as("sessions opened before and after the reload").containsExactly(0, counts[1]);
            assertThat(counts[1]).isPositive();
            delivered(r, "after");
        }
    }

    private static int status(HttpClient http, String url, String header, String value) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header(header, value).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static boolean signedWith(String[] hook, String secret) {
        assertThat(hook).as("a webhook request").isNotNull();
        String t = hook[0].substring(2, hook[0].indexOf(','));
        return hook[0].equals(WebhookSignature.header(secret.getBytes(StandardCharsets.UTF_8), Long.parseLong(t),
                hook[1]));
    }
}
