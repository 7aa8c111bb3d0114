package org.mailferry.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.QueueId;
import org.mailferry.testing.FilledSpool;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.RelayFixture;

/**
 * Issue 18 over plain HTTP (the browser test drives the page): the console's files carry a strict
 * CSP; its JSON needs a login; the login sets an HttpOnly SameSite=Strict cookie; a change needs the
 * session's CSRF token and the page's own Origin; the server filters, sorts and pages the queue.
 */
class ConsoleHttpTest {
    @TempDir
    Path dir;
    @AutoClose
    final HttpClient http = HttpClient.newHttpClient();

    private RelayFixture relay() throws Exception {
        FilledSpool.fill(dir.resolve("spool"), 120, Instant.now().plusSeconds(3600));
        // no smarthost is reached: every message waits an hour
        return new RelayFixture(dir.resolve("spool")).set("relay.smarthost", "[127.0.0.1]:9").start();
    }

    private static String base(RelayFixture f) {
        return "http://127.0.0.1:" + f.relay().adminAddress().getPort();
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder get(RelayFixture f, String path) {
        return HttpRequest.newBuilder(URI.create(base(f) + path)).GET();
    }

    private HttpRequest.Builder post(RelayFixture f, String path, String body) {
        return HttpRequest.newBuilder(URI.create(base(f) + path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/x-www-form-urlencoded");
    }

    /** Logs in: [cookie, csrf]. */
    private String[] login(RelayFixture f) throws Exception {
        HttpResponse<String> r = send(post(f, "/console/login", "token=" + AdminToken.read(f.spool))
                .header("Origin", base(f)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).contains("HttpOnly", "SameSite=Strict", "Path=/console");
        String csrf = r.body().replaceAll(".*\"csrf\":\"([^\"]+)\".*", "$1");
        return new String[] {setCookie.substring(0, setCookie.indexOf(';')), csrf};
    }

    @Test
    void filesAreOpenAndCarryAStrictPolicy() throws Exception {
        try (RelayFixture f = relay()) {
            HttpResponse<String> index = send(get(f, "/console/"));
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            String csp = index.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(csp).contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval");
            assertThat(index.body()).contains("<script type=\"module\" src=\"console.js\"></script>")
                    .doesNotContainPattern("<script(?![^>]*src=)[^>]*>") // no inline script
                    .doesNotContainPattern(" on[a-z]+=") // no inline handlers
                    .doesNotContain("http://", "https://"); // no CDN
            for (String file : Console.FILES.keySet()) {
                HttpResponse<String> r = send(get(f, "/console/" + file));
                assertThat(r.statusCode()).as(file).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type").orElseThrow()).as(file)
                        .startsWith(Console.FILES.get(file));
                if (file.endsWith(".js")) {
                    assertThat(r.body()).as(file).doesNotContain("innerHTML", "insertAdjacentHTML", "eval(",
                            "document.write");
                }
            }
            assertThat(send(get(f, "/console/../admin.token")).statusCode()).isIn(400, 404);
            assertThat(send(get(f, "/console/Console.class")).statusCode()).isEqualTo(404);
            assertThat(send(get(f, "/console")).statusCode()).isEqualTo(308);
        }
    }

    @Test
    void unauthenticatedRequestsAndWrongTokensAreRefused() throws Exception {
        try (LogCapture log = new LogCapture("mailferry.admin"); RelayFixture f = relay()) {
            HttpResponse<String> anon = send(get(f, "/console/api/queue"));
            assertThat(anon.statusCode()).isEqualTo(401);
            assertThat(anon.body()).contains("log in first").doesNotContain("example.net");
            assertThat(send(get(f, "/console/api/queue").header("Cookie", ConsoleSessions.COOKIE + "=forged"))
                    .statusCode()).isEqualTo(401);
            HttpResponse<String> wrong = send(post(f, "/console/login", "token=guess").header("Origin", base(f)));
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).contains("wrong admin token", "admin.token");
            assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).contains("refused POST /console/login"));
            // the API's own token works too, as for every other admin request
            assertThat(send(get(f, "/console/api/queue").header("Authorization", "Bearer "
                    + AdminToken.read(f.spool))).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aCrossSitePostIsRefusedAndTheOwnPageIsNot() throws Exception {
        try (RelayFixture f = relay()) {
            String[] s = login(f);
            // a page on another site: Origin is its own (RequestCheck: 403)
            HttpResponse<String> foreign = send(post(f, "/console/logout", "").header("Cookie", s[0])
                    .header("Origin", "http://attacker.example").header("X-CSRF-Token", s[1]));
            assertThat(foreign.statusCode()).isEqualTo(403);
            // the cookie alone, without the page's CSRF token
            HttpResponse<String> noToken = send(post(f, "/console/logout", "").header("Cookie", s[0])
                    .header("Origin", base(f)));
            assertThat(noToken.statusCode()).isEqualTo(403);
            assertThat(noToken.body()).contains("X-CSRF-Token");
            HttpResponse<String> noOrigin = send(post(f, "/console/logout", "").header("Cookie", s[0])
                    .header("X-CSRF-Token", s[1]));
            assertThat(noOrigin.statusCode()).isEqualTo(403);
            HttpResponse<String> crossSite = send(post(f, "/console/logout", "").header("Cookie", s[0])
                    .header("Origin", base(f)).header("Sec-Fetch-Site", "cross-site").header("X-CSRF-Token", s[1]));
            assertThat(crossSite.statusCode()).isEqualTo(403);
            assertThat(send(get(f, "/console/api/queue").header("Cookie", s[0])).statusCode()).isEqualTo(200);

            HttpResponse<String> own = send(post(f, "/console/logout", "").header("Cookie", s[0])
                    .header("Origin", base(f)).header("X-CSRF-Token", s[1]));
            assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
            assertThat(send(get(f, "/console/api/queue").header("Cookie", s[0])).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void theServerFiltersSortsAndPages() throws Exception {
        try (RelayFixture f = relay()) {
            String cookie = login(f)[0];
            HttpResponse<String> first = send(get(f, "/console/api/queue?limit=50&sort=id").header("Cookie", cookie));
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).startsWith("{\"total\":120,\"matched\":120,\"offset\":0,");
            assertThat(first.body().split("\"id\":").length - 1).isEqualTo(50);
            // the answer is one page, never the queue: its size follows the limit, not the 120 messages
            HttpResponse<String> five = send(get(f, "/console/api/queue?limit=5").header("Cookie", cookie));
            assertThat(five.body()).startsWith("{\"total\":120,\"matched\":120,\"offset\":0,");
            assertThat(five.body().length()).isLessThan(5 * 400).isLessThan(first.body().length() / 8);
            HttpResponse<String> last = send(get(f, "/console/api/queue?limit=50&offset=100&sort=id&order=desc")
                    .header("Cookie", cookie));
            assertThat(last.body().split("\"id\":").length - 1).isEqualTo(20);

            HttpResponse<String> one = send(get(f, "/console/api/queue?recipient=USER17%40example.net&state=deferred")
                    .header("Cookie", cookie));
            assertThat(one.body()).contains("\"matched\":1,", "\"recipients\":[\"user17@example.net\"]",
                    "\"last_reply\":\"451 4.3.0 try again later\"");
            assertThat(send(get(f, "/console/api/queue?state=held").header("Cookie", cookie)).body())
                    .contains("\"matched\":0,");
            assertThat(send(get(f, "/console/api/queue?min_age=1d").header("Cookie", cookie)).body())
                    .contains("\"matched\":0,");
            assertThat(send(get(f, "/console/api/queue?max_age=1d&sender=APP@").header("Cookie", cookie)).body())
                    .contains("\"matched\":120,");

            for (String[] bad : List.of(new String[] {"state=lost", "state 'lost': use one of queued, deferred"},
                    new String[] {"limit=5000", "limit '5000': a whole number from 1 to 500"},
                    new String[] {"min_age=yesterday", "min_age 'yesterday': a number and a unit"},
                    new String[] {"sort=body", "sort 'body': use one of"},
                    new String[] {"colour=red", "unknown parameter 'colour'"})) {
                HttpResponse<String> r = send(get(f, "/console/api/queue?" + bad[0]).header("Cookie", cookie));
                assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
                assertThat(r.body()).as(bad[0]).contains(bad[1]);
            }
            assertThat(QueueId.isValid(first.body().replaceAll(".*?\"id\":\"([^\"]+)\".*", "$1"))).isTrue();
        }
    }

    @Test
    void offLoopbackTheListenerNeedsTlsAndThenSpeaksHttps() throws Exception {
        for (String listen : List.of("0.0.0.0:2526", "192.0.2.10:2526", "[::]:2526")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> org.mailferry.config.ConfigLoader.load(null,
                            java.util.Map.of("admin.listen", listen)))
                    .as(listen).isInstanceOf(org.mailferry.config.ConfigException.class)
                    .hasMessageContaining("is not a loopback address")
                    .hasMessageContaining("set admin.tls_cert and admin.tls_key");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> org.mailferry.config.ConfigLoader.load(null,
                java.util.Map.of("admin.tls_cert", "/etc/ssl/admin.pem"))).hasMessageContaining("go together");

        Path cert = dir.resolve("admin.pem");
        Path key = dir.resolve("admin.key");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
        FilledSpool.fill(dir.resolve("spool"), 3, Instant.now().plusSeconds(3600));
        try (RelayFixture f = new RelayFixture(dir.resolve("spool")).set("relay.smarthost", "[127.0.0.1]:9")
                .set("admin.tls_cert", cert.toString()).set("admin.tls_key", key.toString()).start()) {
            String https = "https://127.0.0.1:" + f.relay().adminAddress().getPort();
            java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            try (var in = Files.newInputStream(cert)) { // this listener's certificate, and nothing else
                trusted.setCertificateEntry("admin", java.security.cert.CertificateFactory.getInstance("X.509")
                        .generateCertificate(in));
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(trusted);
            javax.net.ssl.SSLContext trustThis = javax.net.ssl.SSLContext.getInstance("TLS");
            trustThis.init(null, tmf.getTrustManagers(), null);
            try (HttpClient tls = HttpClient.newBuilder().sslContext(trustThis).build()) {
                HttpResponse<String> login = tls.send(HttpRequest.newBuilder(URI.create(https + "/console/login"))
                        .header("Origin", https).POST(HttpRequest.BodyPublishers.ofString("token="
                                + AdminToken.read(f.spool))).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
                assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).contains("; Secure");
                assertThat(login.headers().firstValue("Strict-Transport-Security")).isPresent();
                // an http:// Origin is another origin now
                HttpResponse<String> plainOrigin = tls.send(HttpRequest.newBuilder(URI.create(https + "/console/login"))
                        .header("Origin", https.replace("https:", "http:")).POST(HttpRequest.BodyPublishers
                                .ofString("token=x")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(plainOrigin.statusCode()).isEqualTo(403);
            }
            // plain HTTP to the TLS listener gets nothing of the console
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> send(get(f, "/console/")))).isNotNull();
        }
    }

    @Test
    void aMessageItsActionsTheStatsAndTheLiveStream() throws Exception {
        try (RelayFixture f = relay()) {
            String[] s = login(f);
            String id = send(get(f, "/console/api/queue?recipient=user5%40").header("Cookie", s[0])).body()
                    .replaceAll(".*?\"id\":\"([^\"]+)\".*", "$1");
            HttpResponse<String> m = send(get(f, "/console/api/messages/" + id).header("Cookie", s[0]));
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.body()).contains("\"id\":\"" + id + "\"", "\"state\":\"deferred\"",
                    "\"headers\":\"Subject: backlog\\r\\n", "\"recipient\":\"user5@example.net\"")
                    .doesNotContain("waited for the smarthost"); // the body only when asked
            assertThat(send(get(f, "/console/api/messages/" + id + "/body").header("Cookie", s[0])).body())
                    .contains("waited for the smarthost");
            assertThat(send(get(f, "/console/api/messages/NOTANID").header("Cookie", s[0])).statusCode())
                    .isEqualTo(400);

            // the live stream: a hold is not an event, a delete is
            HttpRequest events = get(f, "/console/api/events").header("Cookie", s[0]).build();
            HttpResponse<java.util.stream.Stream<String>> stream = http.send(events,
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
            HttpResponse<String> held = send(post(f, "/console/api/messages/" + id + "/hold", "").header("Cookie", s[0])
                    .header("Origin", base(f)).header("X-CSRF-Token", s[1]));
            assertThat(held.statusCode()).isEqualTo(200);
            assertThat(held.body()).contains("\"result\":\"" + id + ": held\"");
            assertThat(send(get(f, "/console/api/queue?state=held").header("Cookie", s[0])).body())
                    .contains("\"matched\":1,");
            HttpResponse<String> deleted = send(post(f, "/console/api/actions/delete", "ids=" + id + ",0000000000AA")
                    .header("Cookie", s[0]).header("Origin", base(f)).header("X-CSRF-Token", s[1]));
            assertThat(deleted.body()).contains(id + ": deleted", "0000000000AA: not in the queue");
            java.util.Iterator<String> lines = stream.body().iterator();
            String data = "";
            while (!data.contains("\"type\":\"removed\"")) {
                String line = lines.next();
                data = line.startsWith("data: ") ? line : data;
            }
            assertThat(data).contains("\"id\":\"" + id + "\"");
            stream.body().close();

            HttpResponse<String> stats = send(get(f, "/console/api/stats").header("Cookie", s[0]));
            assertThat(stats.body()).contains("\"smarthosts\":[\"[127.0.0.1]:9\"]",
                    "\"last_hour\":{\"received\":0,\"delivered\":0,\"deferred\":0,\"bounced\":0}",
                    "\"latency_ms\":[{\"window_minutes\":60,\"p50\":null");
            assertThat(send(post(f, "/console/api/messages/" + id + "/explode", "").header("Cookie", s[0])
                    .header("Origin", base(f)).header("X-CSRF-Token", s[1])).body())
                    .contains("unknown action 'explode'; use flush, hold, release, delete, bounce");
        }
    }

    @Test
    void theChartsCountersSurviveARestart() throws Exception {
        String id;
        try (RelayFixture f = relay()) {
            id = org.mailferry.testing.Submit.message(f.address(), "app@example.com", "late@example.net",
                    "<restart@example.com>");
            f.await(org.mailferry.notify.DeliveryEvent.Deferred.class, id, 10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(send(get(f, "/console/api/stats").header("Authorization", "Bearer " + AdminToken.read(f.spool)))
                    .body()).contains("\"last_hour\":{\"received\":1,\"delivered\":0,\"deferred\":1,\"bounced\":0}");
        } // stopping writes SPOOL/console-counters
        assertThat(Files.exists(dir.resolve("spool").resolve(CounterFile.FILE))).isTrue();
        try (RelayFixture f = new RelayFixture(dir.resolve("spool")).set("relay.smarthost", "[127.0.0.1]:9").start()) {
            HttpResponse<String> stats = send(get(f, "/console/api/stats").header("Authorization", "Bearer "
                    + AdminToken.read(f.spool)));
            assertThat(stats.body()).contains("\"received\":1,", "\"deferred\":");
            assertThat(stats.body().replaceAll(".*\"last_hour\":\\{\"received\":1,\"delivered\":0,\"deferred\":(\\d+).*", "$1"))
                    .as(stats.body()).isIn("1", "2"); // the recovered message may be tried again at start
        }
    }
}
