package org.mailferry.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.QueueId;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.Chromium;
import org.mailferry.testing.FilledSpool;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submit;
import org.mailferry.testing.Tools;

/**
 * Issue 18 in a real browser: Debian's headless Chromium, driven over the DevTools protocol, against
 * the real daemon with 1,000 queued messages (the smarthost's port is closed: they stay). It logs in
 * with the token, filters, opens a message, holds and releases it, deletes one, bounces one, watches
 * a live event arrive, reads the charts, and checks that the page logged no error; screenshots go to
 * target/console-screenshots/. A page on another origin posting to the console is refused.
 */
class ConsoleBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Path SHOTS = Path.of("target", "console-screenshots");

    @TempDir
    Path dir;

    @Test
    void anOperatorWorksTheQueueInTheBrowser() throws Exception {
        Chromium.require();
        List<QueueId> ids = FilledSpool.fill(dir.resolve("spool"), 1000, Instant.now().plusSeconds(3600));
        int closed = Tools.freePort();
        try (LogCapture log = new LogCapture("mailferry.admin");
             RelayFixture f = new RelayFixture(dir.resolve("spool")).set("relay.smarthost", "[127.0.0.1]:" + closed)
                     .start();
             Chromium browser = Chromium.start(dir)) {
            String base = "http://127.0.0.1:" + f.relay().adminAddress().getPort() + "/console/";
            browser.open(base);
            browser.await("!document.getElementById('login').hidden", WAIT);
            browser.screenshot(SHOTS.resolve("01-login.png"));
            browser.type("#token", AdminToken.read(f.spool));
            browser.click("#login-form button[type=submit]");
            browser.await("document.querySelectorAll('#queue-table tbody tr').length === 50", WAIT);
            assertThat(browser.text("document.getElementById('range').textContent"))
                    .isEqualTo("1\u201350 of 1000 matching (1000 queued)");
            // the cookie is HttpOnly: the page's scripts cannot read it
            assertThat(browser.text("document.cookie")).isEmpty();
            browser.screenshot(SHOTS.resolve("02-queue.png"));

            // filter: one recipient of the thousand
            browser.type("#filters input[name=recipient]", "user417@");
            browser.click("#filters button[type=submit]");
            browser.await("document.getElementById('range').textContent.startsWith('1\u20131 of 1 ')", WAIT);
            String id = browser.text("document.querySelector('#queue-table tbody tr').dataset.id");
            assertThat(id).isEqualTo(ids.get(417).value());
            browser.screenshot(SHOTS.resolve("03-filtered.png"));

            // open it: envelope, headers, attempts
            browser.click("#queue-table tbody tr a");
            browser.await("!document.getElementById('message').hidden && document.getElementById('m-id').textContent === '"
                    + id + "' && document.getElementById('m-state').textContent === 'deferred'", WAIT);
            assertThat(browser.text("document.getElementById('m-headers').textContent")).contains("Subject: backlog");
            assertThat(browser.text("document.getElementById('m-recipients').textContent"))
                    .contains("user417@example.net", "451 4.3.0 try again later");
            browser.screenshot(SHOTS.resolve("04-message.png"));

            // hold, confirmed in the page's dialog, then release
            act(browser, "hold");
            browser.await("document.getElementById('m-state').textContent === 'held'", WAIT);
            assertThat(browser.text("document.getElementById('notice').textContent")).isEqualTo(id + ": held");
            assertThat(f.relay().spool().load(new QueueId(id)).held()).isTrue();
            browser.screenshot(SHOTS.resolve("05-held.png"));
            // a cancelled action does nothing
            browser.click("#m-actions button[data-act=delete]");
            browser.await("document.getElementById('confirm').open", WAIT);
            browser.click("#confirm-cancel");
            browser.await("document.getElementById('notice').textContent === 'delete: cancelled'", WAIT);
            act(browser, "release");
            browser.await("document.getElementById('m-state').textContent === 'deferred'", WAIT);
            assertThat(f.relay().spool().load(new QueueId(id)).held()).isFalse();

            // delete it
            act(browser, "delete");
            browser.await("document.getElementById('notice').textContent === '" + id + ": deleted'", WAIT);
            browser.await("document.getElementById('m-state').textContent === 'finished'", WAIT);
            assertThat(f.eventsOf(DeliveryEvent.Deleted.class)).extracting(e -> e.id().value()).containsExactly(id);

            // a live event: a new message arrives while the page is open
            browser.open(base + "#queue");
            browser.await("document.getElementById('live-state').textContent === 'live'", WAIT);
            String fresh = Submit.message(f.address(), "app@example.com", "fresh@example.net", "<fresh@example.com>");
            browser.await("document.querySelector('#live li[data-id=\"" + fresh + "\"][data-type=received]')", WAIT);
            f.await(DeliveryEvent.Deferred.class, fresh, 10, TimeUnit.SECONDS); // the closed smarthost
            browser.await("document.querySelector('#live li[data-id=\"" + fresh + "\"][data-type=deferred]')", WAIT);
            browser.await("document.getElementById('hour').textContent.includes('1 received')", WAIT);
            assertThat(browser.text("document.getElementById('smarthost').textContent")).contains("127.0.0.1");
            browser.screenshot(SHOTS.resolve("06-live.png"));

            // bounce a selection of two from the whole table
            browser.type("#filters input[name=recipient]", "");
            browser.click("#filters button[type=submit]");
            browser.await("document.querySelectorAll('#queue-table tbody tr').length === 50", WAIT);
            assertThat(browser.text("document.getElementById('range').textContent")).isEqualTo(
                    "1\u201350 of 1000 matching (1000 queued)"); // one deleted, one received
            browser.eval("(() => { for (const b of [...document.querySelectorAll('#queue-table tbody input[type=checkbox]')]"
                    + ".slice(0, 2)) b.click(); })()");
            browser.await("document.getElementById('selected').textContent === '2 selected'", WAIT);
            browser.click("#bulk button[data-bulk=bounce]");
            confirm(browser);
            browser.await("document.getElementById('notice').textContent === 'bounce: 2 done'", WAIT);
            assertThat(f.eventsOf(DeliveryEvent.Bounced.class)).hasSize(2);

            // charts
            browser.open(base + "#charts");
            browser.await("document.querySelectorAll('#chart-events polyline').length === 3", WAIT);
            assertThat(browser.text("document.getElementById('chart-events').textContent")).contains("bounced: 2 in 24 h");
            browser.screenshot(SHOTS.resolve("07-charts.png"));

            // a phone's width
            browser.viewport(390, 844, true);
            browser.open(base + "#queue");
            browser.await("document.querySelectorAll('#queue-table tbody tr').length === 50", WAIT);
            assertThat(browser.eval(NO_SIDEWAYS)).isEqualTo(true);
            browser.screenshot(SHOTS.resolve("08-phone.png"));
            browser.viewport(1280, 900, false);

            assertThat(browser.errors()).as("the page's console errors").isEmpty();

            // another origin's page: the browser sends the session cookie (same site), the console refuses
            String victim = ids.get(1).value();
            HttpServer evil = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            String page = "<!DOCTYPE html><title>evil</title><script>fetch('" + base + "api/actions/delete', {method: "
                    + "'POST', mode: 'no-cors', credentials: 'include', body: new URLSearchParams({ids: '" + victim
                    + "'})}).then(() => document.title = 'sent', () => document.title = 'failed');</script>";
            evil.createContext("/", x -> {
                byte[] b = page.getBytes(StandardCharsets.UTF_8);
                x.getResponseHeaders().set("Content-Type", "text/html");
                x.sendResponseHeaders(200, b.length);
                x.getResponseBody().write(b);
                x.close();
            });
            evil.start();
            try {
                browser.open("http://127.0.0.1:" + evil.getAddress().getPort() + "/");
                browser.await("document.title === 'sent'", WAIT);
            } finally {
                evil.stop(0);
            }
            assertThat(f.relay().spool().load(new QueueId(victim))).isNotNull();
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).contains("refused POST /console/api/actions/delete",
                    "requests from web pages are refused"));
        }
        assertThat(Files.list(SHOTS).count()).isGreaterThanOrEqualTo(8);
    }

    /** Puts the keyboard's starting point at the top of the page (the title, focusable by script only). */
    private static final String TOP = "(() => { const h = document.querySelector('header h1'); h.tabIndex = -1; "
            + "h.focus(); })()";
    /** The page does not scroll sideways. */
    private static final String NO_SIDEWAYS = "document.scrollingElement.scrollWidth <= window.innerWidth";
    /** The focused element, named: "A#queue", "BUTTON#next", "BUTTON[sort=id]", "INPUT[checkbox] in a row". */
    private static final String FOCUSED = "(() => { const e = document.activeElement; if (!e || e === document.body) "
            + "return 'none'; return e.tagName + (e.id ? '#' + e.id : '') + (e.dataset.sort ? '[sort=' + e.dataset.sort "
            + "+ ']' : '') + (e.dataset.act ? '[act=' + e.dataset.act + ']' : '') + (e.name ? '[' + e.name + ']' : '') "
            + "+ (e.getAttribute('href') ? '[' + e.getAttribute('href') + ']' : '') + (e.type === 'checkbox' ? "
            + "'[checkbox]' : '') + (e.closest('tbody') ? ' in a row' : ''); })()";
    /** The focused element shows it: the keyboard focus ring (:focus-visible), an outline of at least 2 px. */
    private static final String RING = "(() => { const e = document.activeElement; const s = getComputedStyle(e); "
            + "return e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; })()";

    /** Tab until {@code wanted} is focused (at most {@code max} presses), each stop showing its focus; the stops. */
    private static List<String> tabTo(Chromium browser, String wanted, int max) throws Exception {
        List<String> stops = new java.util.ArrayList<>();
        for (int i = 0; i < max; i++) {
            browser.press("Tab");
            String now = browser.text(FOCUSED);
            stops.add(now);
            assertThat(browser.eval(RING)).as("visible focus on " + now).isEqualTo(true);
            if (now.equals(wanted)) {
                return stops;
            }
        }
        throw new AssertionError("Tab never reached " + wanted + "; it went " + stops);
    }

    @Test
    void theKeyboardReachesEveryActionAndAPhoneNeverScrollsSideways() throws Exception {
        Chromium.require();
        Instant due = Instant.now().plusSeconds(3600);
        List<QueueId> ids = FilledSpool.fill(dir.resolve("spool"), 60, due);
        // one message with long unbroken values: a long recipient, a smarthost's long reply, a long header
        QueueId wide = QueueId.next(Instant.now().toEpochMilli());
        String longRcpt = "a.very.long.local.part.for.a.mailing.list.archive." + "x".repeat(40) + "@example.net";
        Files.write(dir.resolve("spool/queue/" + wide + ".body"), ("X-Trace: " + "0123456789abcdef".repeat(12)
                + "\r\nSubject: wide\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII));
        Files.write(dir.resolve("spool/queue/" + wide + ".env"), org.mailferry.queue.EnvelopeCodec.encode(
                new org.mailferry.message.Envelope(wide, Instant.now(), new org.mailferry.message.Address("app@example.com"),
                        List.of(new org.mailferry.message.Recipient(new org.mailferry.message.Address(longRcpt),
                                org.mailferry.message.Recipient.State.PENDING, "450 4.2.0 " + "greylisted;".repeat(12), "",
                                "")), "7BIT", false, 200, "", "", "[127.0.0.1]", 1, due, false,
                        List.of(new org.mailferry.message.Attempt(Instant.now(), longRcpt, "deferred via "
                                + "smtp-relay-with-a-long-name.eu-west.mail.example.com[203.0.113.5]:587: 450 4.2.0 "
                                + "greylisted;".repeat(12))))));
        try (RelayFixture f = new RelayFixture(dir.resolve("spool")).set("relay.smarthost", "[127.0.0.1]:"
                + Tools.freePort()).start();
             Chromium browser = Chromium.start(dir)) {
            String base = "http://127.0.0.1:" + f.relay().adminAddress().getPort() + "/console/";
            browser.open(base);
            browser.await("document.activeElement && document.activeElement.id === 'token'", WAIT);
            // log in with the keyboard alone: the token field has the focus, Enter submits
            browser.type("#token", AdminToken.read(f.spool));
            browser.press("Enter");
            browser.await("document.querySelectorAll('#queue-table tbody tr').length === 50", WAIT);

            // from the top of the page, Tab goes through the header, the filters, the table, the pager
            browser.eval(TOP);
            List<String> stops = tabTo(browser, "BUTTON#next", 200);
            assertThat(stops).contains("A[#queue]", "A[#charts]", "BUTTON#logout", "SELECT[state]", "INPUT[sender]",
                    "INPUT[recipient]", "INPUT#select-all[checkbox]", "BUTTON[sort=id]", "BUTTON[sort=arrival]",
                    "INPUT[checkbox] in a row", "A[#message/" + wide + "] in a row"); // the newest: first
            assertThat(stops.indexOf("BUTTON[sort=id]")).isLessThan(stops.indexOf("A[#message/" + wide + "] in a row"));
            // Enter on a sort button sorts, and the focus stays on it
            browser.eval(TOP);
            tabTo(browser, "BUTTON[sort=id]", 40);
            browser.press("Enter");
            browser.await("document.querySelector('th button[data-sort=id]').getAttribute('aria-sort') === 'ascending'",
                    WAIT);
            assertThat(browser.text(FOCUSED)).isEqualTo("BUTTON[sort=id]");
            // Enter on a message's link opens it; its actions are next in the Tab order
            tabTo(browser, "A[#message/" + ids.getFirst() + "] in a row", 20);
            browser.press("Enter");
            browser.await("!document.getElementById('message').hidden && document.getElementById('m-id').textContent === '"
                    + ids.getFirst() + "'", WAIT);
            browser.eval(TOP);
            tabTo(browser, "BUTTON[act=hold]", 20);
            browser.press("Enter");
            browser.await("document.getElementById('confirm').open", WAIT);
            assertThat(browser.text(FOCUSED)).isEqualTo("BUTTON#confirm-cancel");
            browser.press("Escape");
            browser.await("!document.getElementById('confirm').open", WAIT);
            assertThat(f.relay().spool().load(ids.getFirst()).held()).isFalse();
            browser.press("Tab");
            assertThat(browser.eval(RING)).as("focus after the dialog: " + browser.text(FOCUSED)).isEqualTo(true);
            browser.screenshot(SHOTS.resolve("09-keyboard-focus.png"));

            // a phone: no view scrolls sideways, even with long unbroken values
            browser.viewport(390, 844, true);
            for (String[] view : List.of(new String[] {"#queue", "10-phone-queue.png"},
                    new String[] {"#message/" + wide, "11-phone-message.png"},
                    new String[] {"#charts", "12-phone-charts.png"})) {
                browser.open(base + view[0]);
                browser.await(view[0].equals("#queue") ? "document.querySelectorAll('#queue-table tbody tr').length === 50"
                        : view[0].equals("#charts") ? "document.querySelectorAll('#chart-events polyline').length === 3"
                        : "document.getElementById('m-headers').textContent.includes('X-Trace')", WAIT);
                browser.screenshot(SHOTS.resolve(view[1]));
                assertThat(browser.eval(NO_SIDEWAYS)).as(view[0] + " at 390 px: scrollWidth "
                        + browser.text("document.scrollingElement.scrollWidth")).isEqualTo(true);
                if (view[0].equals("#queue")) { // nor the table inside its own box: every row's values are seen
                    assertThat(browser.eval("(() => { const w = document.querySelector('.table-wrap'); "
                            + "return w.scrollWidth <= w.clientWidth; })()")).isEqualTo(true);
                }
            }
            // and at 1280 px the long message reads without sideways scrolling too
            browser.viewport(1280, 900, false);
            browser.open(base + "#message/" + wide);
            browser.await("document.getElementById('m-headers').textContent.includes('X-Trace')", WAIT);
            assertThat(browser.eval(NO_SIDEWAYS)).isEqualTo(true);
            browser.screenshot(SHOTS.resolve("13-wide-message.png"));
            assertThat(browser.errors()).as("the page's console errors").isEmpty();
        }
    }

    private static void act(Chromium browser, String verb) throws Exception {
        browser.await("!document.querySelector('#m-actions button[data-act=" + verb + "]').disabled", WAIT);
        browser.click("#m-actions button[data-act=" + verb + "]");
        confirm(browser);
    }

    private static void confirm(Chromium browser) throws Exception {
        browser.await("document.getElementById('confirm').open", WAIT);
        browser.click("#confirm-ok");
    }
}
