package org.mailferry.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.AdminClient;
import org.mailferry.testing.LocalUser;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submit;
import org.mailferry.testing.TestSmarthost;

/**
 * Issue 14, item 1: an unprivileged local user (eve) can neither read the queue through the admin
 * API nor change it (API, queue command, sendmail -q); a forged Host or a web page's Origin is
 * refused; /health and /metrics stay open; members of admin.group are operators.
 */
class AdminAccessTest {
    @TempDir
    Path dir;
    private TestSmarthost smarthost;
    private LocalUser eve;

    @BeforeEach
    void setUp() throws Exception {
        eve = LocalUser.require("eve");
        LocalUser.openPath(dir);
        smarthost = new TestSmarthost();
        smarthost.refuseRecipient("root@example.net", 450, "4.2.1 Mailbox busy");
    }

    @AfterEach
    void tearDown() {
        smarthost.close();
    }

    private RelayFixture relay() {
        return new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port()).set("queue.retry_min", "1h")
                .set("queue.retry_max", "2h");
    }

    private String deferredMessage(RelayFixture f) throws Exception {
        String id = Submit.message(f.address(), "root@example.com", "root@example.net", "<root@example.com>");
        f.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        return id;
    }

    private static String url(RelayFixture f, String path) {
        return "http://127.0.0.1:" + f.relay().adminAddress().getPort() + path;
    }

    /** curl as eve: "CODE BODY". */
    private String curl(RelayFixture f, String method, String path) throws Exception {
        LocalUser.Result r = eve.run(List.of("curl", "-s", "-X", method, "-w", " %{http_code}", url(f, path)), null);
        String out = r.out().strip();
        int sp = out.lastIndexOf(' ');
        return out.substring(sp + 1) + " " + out.substring(0, Math.max(0, sp)).strip();
    }

    @Test
    void eveCanNeitherReadNorChangeTheQueueThroughTheApi() throws Exception {
        try (LogCapture log = new LogCapture("mailferry.admin"); RelayFixture f = relay().start()) {
            String id = deferredMessage(f);
            assertThat(curl(f, "GET", "/queue")).startsWith("401 ").doesNotContain("root@example.net")
                    .contains("admin.token");
            assertThat(curl(f, "GET", "/messages/" + id)).startsWith("401 ").doesNotContain("Mailbox busy");
            for (String verb : List.of("hold", "release", "flush", "delete")) {
                assertThat(curl(f, "POST", "/messages/" + id + "/" + verb)).as(verb).startsWith("401 ");
            }
            assertThat(curl(f, "POST", "/queue/delete-failed")).startsWith("401 ");
            assertThat(curl(f, "POST", "/queue/flush")).startsWith("401 ");
            assertThat(curl(f, "GET", "/health")).isEqualTo("200 ok");
            assertThat(curl(f, "GET", "/metrics")).startsWith("200 ").contains("mailferry_queue_messages 1");
            assertThat(eve.run(List.of("cat", f.spool.resolve(AdminToken.FILE).toString()), null).exit()).isNotZero();

            assertThat(f.spool.resolve("queue").resolve(id + ".env")).exists();
            assertThat(f.eventsOf(DeliveryEvent.Deleted.class)).isEmpty();
            assertThat(new AdminClient(f).get("/messages/" + id).body()).contains("\"state\":\"queued\"");
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).contains("refused POST /messages/" + id + "/delete"));
        }
    }

    @Test
    void eveCannotChangeTheQueueFromTheCommandLineButMayListIt() throws Exception {
        try (RelayFixture f = relay().start()) {
            String id = deferredMessage(f);
            for (String verb : List.of("hold", "delete", "flush")) {
                LocalUser.Result r = eve.mailferry(List.of("queue", verb, id, "--spool=" + f.spool));
                assertThat(r.exit()).as(verb + ": " + r.all()).isEqualTo(77);
                assertThat(r.err()).contains("only root, the service user root", "you are eve")
                        .doesNotContain("Exception");
            }
            LocalUser.Result all = eve.mailferry(List.of("queue", "delete", "--all-failed", "--spool=" + f.spool));
            assertThat(all.exit()).as(all.all()).isEqualTo(77);
            LocalUser.Result show = eve.mailferry(List.of("queue", "show", id, "--spool=" + f.spool));
            assertThat(show.exit()).as(show.all()).isEqualTo(77);
            assertThat(show.err()).contains("permission denied; the spool is for root", "mailq").doesNotContain("Exception");

            Path config = dir.resolve("mailferry.toml");
            Files.writeString(config, "[queue]\nspool = \"" + f.spool + "\"\n");
            LocalUser.Result q = eve.bin("sendmail", config, List.of("-q"), null);
            assertThat(q.exit()).as(q.all()).isEqualTo(77);
            assertThat(q.err()).contains("may flush the queue", "you are eve");
            LocalUser.Result reload = eve.mailferry(List.of("reload", "--spool=" + f.spool));
            assertThat(reload.exit()).as(reload.all()).isEqualTo(77);
            assertThat(reload.err()).contains("only root, the service user root", "may reload the configuration",
                    "you are eve").doesNotContain("Exception");
            LocalUser.Result mailq = eve.bin("mailq", config, List.of(), null);
            assertThat(mailq.exit()).as(mailq.all()).isZero();
            assertThat(mailq.out()).contains(id, "root@example.net"); // Postfix's default: anyone may list

            assertThat(f.spool.resolve("queue").resolve(id + ".env")).exists();
            assertThat(f.eventsOf(DeliveryEvent.Deleted.class)).isEmpty();
            assertThat(new AdminClient(f).get("/messages/" + id).body()).contains("\"state\":\"queued\"");
        }
    }

    @Test
    void mailqUsersRestrictsTheListingAndAdminGroupMembersAreOperators() throws Exception {
        LocalUser frank = LocalUser.require("frank").joining("mfadmin");
        try (RelayFixture f = relay().set("admin.mailq_users", "[]").set("admin.group", "mfadmin").start()) {
            String id = deferredMessage(f);
            Path config = dir.resolve("mailferry.toml");
            Files.writeString(config, "[queue]\nspool = \"" + f.spool + "\"\n[admin]\ngroup = \"mfadmin\"\n");
            Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            LocalUser.Result mailq = eve.bin("mailq", config, List.of(), null);
            assertThat(mailq.exit()).as(mailq.all()).isEqualTo(77);
            assertThat(mailq.err()).contains("may list the queue").doesNotContain(id);

            assertThat(frank.bin("mailq", config, List.of(), null).out()).contains(id);
            LocalUser.Result hold = frank.mailferry(List.of("queue", "hold", id, "--config", config.toString()));
            assertThat(hold.exit()).as(hold.all()).isZero();
            assertThat(hold.out()).contains(id + ": held");
            assertThat(eve.mailferry(List.of("queue", "release", id, "--config", config.toString())).exit())
                    .isEqualTo(77);
        }
    }

    /** As installed: the daemon runs as its own unprivileged service user, who owns the spool. */
    @Test
    void aDaemonRunningAsItsServiceUserTakesChangesFromRootAndItselfOnly() throws Exception {
        LocalUser service = LocalUser.require("mfsvc");
        Path spool = dir.resolve("svc-spool");
        Files.createDirectories(spool);
        new ProcessBuilder("chown", "mfsvc:", spool.toString()).start().waitFor();
        int smtp = org.mailferry.testing.Tools.freePort();
        Path config = dir.resolve("svc.toml");
        Files.writeString(config, "[smtpd]\nlisten = \"127.0.0.1:" + smtp + "\"\n[queue]\nspool = \"" + spool
                + "\"\nretry_min = \"1h\"\nretry_max = \"2h\"\n[relay]\nsmarthost = \"[127.0.0.1]:" + smarthost.port()
                + "\"\n[admin]\nlisten = \"127.0.0.1:0\"\n");
        Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Process daemon = org.mailferry.testing.UserProcess.as("mfsvc").start(null, List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", LocalUser.classPath(),
                "org.mailferry.Mailferry", "serve", "--config", config.toString()));
        Thread.ofVirtual().start(() -> {
            try (var in = daemon.getInputStream()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (java.io.IOException ignored) {
                // the daemon ended
            }
        });
        try {
            org.mailferry.testing.Tools.awaitPort(smtp, 30_000);
            String id = Submit.message(new java.net.InetSocketAddress("127.0.0.1", smtp), "root@example.com",
                    "root@example.net", "<svc@example.com>");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(spool.resolve("queue").resolve(id + ".env")) && System.nanoTime() < end) {
                Thread.sleep(20); // deferred: moved from the journal to files
            }
            assertThat(Files.getOwner(spool.resolve(AdminToken.FILE)).getName()).isEqualTo("mfsvc");
            assertThat(eve.run(List.of("cat", spool.resolve(AdminToken.FILE).toString()), null).exit()).isNotZero();

            LocalUser.Result byEve = eve.mailferry(List.of("queue", "delete", id, "--config", config.toString()));
            assertThat(byEve.exit()).as(byEve.all()).isEqualTo(77);
            assertThat(byEve.err()).contains("the service user mfsvc", "you are eve");
            LocalUser.Result byRoot = new LocalUser("root").mailferry(List.of("queue", "hold", id, "--config",
                    config.toString()));
            assertThat(byRoot.exit()).as(byRoot.all()).isZero();
            assertThat(byRoot.out()).contains(id + ": held");
            LocalUser.Result bySelf = service.mailferry(List.of("queue", "release", id, "--config", config.toString()));
            assertThat(bySelf.exit()).as(bySelf.all()).isZero();
            assertThat(bySelf.out()).contains(id + ": released");
        } finally {
            daemon.destroy();
            daemon.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aForgedHostOrAWebPagesOriginIsRefusedWithTheTokenToo() throws Exception {
        try (LogCapture log = new LogCapture("mailferry.admin"); RelayFixture f = relay().start();
             HttpClient http = HttpClient.newHttpClient()) {
            String token = AdminToken.read(f.spool);
            int port = f.relay().adminAddress().getPort();
            LocalUser.Result rebound = eve.run(List.of("curl", "-s", "-w", " %{http_code}", "-H",
                    "Host: rebind.attacker.example:" + port, url(f, "/queue")), null);
            assertThat(rebound.out()).endsWith(" 421").contains("is not a name of this admin API", "admin.host_names");
            HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(url(f, "/queue")))
                    .header("Authorization", "Bearer " + token).header("Origin", "http://rebind.attacker.example:" + port)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).isEqualTo(403);
            assertThat(forged.body()).contains("requests from web pages are refused");
            LocalUser.Result byName = eve.run(List.of("curl", "-s", "-w", " %{http_code}",
                    "http://localhost:" + port + "/health"), null);
            assertThat(byName.out()).isEqualTo("ok\n 200");
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).contains("refused GET /queue", "rebind.attacker.example"));
        }
    }
}
