package org.mailferry.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.QueueId;
import org.mailferry.testing.Firefox;
import org.mailferry.testing.FilledSpool;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Tools;

/**
 * The console in Debian's Firefox ESR (headless, WebDriver BiDi): it loads, logs in with the token,
 * shows the queue's first page, filters it on the server, opens a message, and the live stream
 * connects; nothing logged as an error. The full walk-through is ConsoleBrowserTest's, in Chromium.
 */
class ConsoleFirefoxTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void theConsoleWorksInFirefox() throws Exception {
        Firefox.require();
        List<QueueId> ids = FilledSpool.fill(dir.resolve("spool"), 200, Instant.now().plusSeconds(3600));
        try (RelayFixture f = new RelayFixture(dir.resolve("spool")).set("relay.smarthost", "[127.0.0.1]:"
                + Tools.freePort()).start();
             Firefox browser = Firefox.start(dir)) {
            String base = "http://127.0.0.1:" + f.relay().adminAddress().getPort() + "/console/";
            browser.open(base);
            browser.await("!document.getElementById('login').hidden", WAIT);
            // the error collection works: a page's console.error reaches it
            browser.eval("console.error('mailferry-probe')");
            long until = System.nanoTime() + WAIT.toNanos();
            while (browser.errors().stream().noneMatch(e -> e.contains("mailferry-probe")) && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(browser.errors()).anySatisfy(e -> assertThat(e).contains("mailferry-probe"));
            browser.eval("(() => { document.getElementById('token').value = " + org.mailferry.testing.Chromium.quote(
                    AdminToken.read(f.spool)) + "; document.getElementById('login-form').requestSubmit(); })()");
            browser.await("document.querySelectorAll('#queue-table tbody tr').length === 50", WAIT);
            assertThat(browser.text("document.getElementById('range').textContent"))
                    .isEqualTo("1\u201350 of 200 matching (200 queued)");
            assertThat(browser.text("document.cookie")).isEmpty(); // HttpOnly in Firefox too
            browser.await("document.getElementById('live-state').textContent === 'live'", WAIT); // EventSource
            browser.screenshot(Path.of("target", "console-screenshots", "firefox-queue.png"));

            browser.eval("(() => { const r = document.querySelector('#filters input[name=recipient]'); "
                    + "r.value = 'user123@'; document.getElementById('filters').requestSubmit(); })()");
            browser.await("document.getElementById('range').textContent.startsWith('1\u20131 of 1 ')", WAIT);
            assertThat(browser.text("document.querySelector('#queue-table tbody tr').dataset.id"))
                    .isEqualTo(ids.get(123).value());
            browser.eval("document.querySelector('#queue-table tbody tr a').click()");
            browser.await("document.getElementById('m-id').textContent === '" + ids.get(123)
                    + "' && document.getElementById('m-headers').textContent.includes('Subject: backlog')", WAIT);
            browser.screenshot(Path.of("target", "console-screenshots", "firefox-message.png"));
            assertThat(browser.errors()).as("errors the page logged in Firefox")
                    .allSatisfy(e -> assertThat(e).contains("mailferry-probe"));
        }
    }
}
