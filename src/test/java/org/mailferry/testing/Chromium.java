package org.mailferry.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless Chromium driven over the DevTools protocol on a loopback WebSocket (the JDK's
 * HttpClient; no Selenium, no driver process): one page, JavaScript evaluated in it, screenshots,
 * and every console error, uncaught exception and browser-logged error (failed loads, CSP
 * violations) collected for the test to assert on.
 */
public final class Chromium extends BrowserSocket {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    private String session;

    /** Skips the test when Chromium is missing, or fails it under MAILFERRY_REQUIRE_INTEROP=1 (CI). */
    public static void require() {
        require(BINARY, "chromium");
    }

    private Chromium(Process process, URI endpoint) throws Exception {
        super(process, endpoint);
    }

    /** Starts a browser with its profile and log under {@code dir}; one blank page at 1280 x 900. */
    public static Chromium start(Path dir) throws Exception {
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--headless=new", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--password-store=basic",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "--window-size=1280,900", "about:blank"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add(1, "--no-sandbox"); // Chromium refuses to run as root with its sandbox
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("chromium.log").toFile()).start();
        Path active = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(active) || Files.readAllLines(active).size() < 2) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("chromium did not start within 20 s; see " + dir.resolve("chromium.log"));
            }
            Thread.sleep(50);
        }
        List<String> lines = Files.readAllLines(active);
        Chromium c = new Chromium(p, URI.create("ws://127.0.0.1:" + lines.get(0).strip() + lines.get(1).strip()));
        try {
            String target = (String) c.command(null, "Target.createTarget", "{\"url\":\"about:blank\"}").get("targetId");
            c.session = (String) c.command(null, "Target.attachToTarget",
                    "{\"targetId\":" + quote(target) + ",\"flatten\":true}").get("sessionId");
            c.send("Runtime.enable", "{}");
            c.send("Log.enable", "{}");
            c.send("Page.enable", "{}");
            c.viewport(1280, 900, false);
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void event(Map<String, Object> m) {
        String method = (String) m.get("method");
        Map<String, Object> params = (Map<String, Object>) m.get("params");
        if ("Runtime.consoleAPICalled".equals(method) && List.of("error", "assert").contains(params.get("type"))) {
            errors.add("console." + params.get("type") + ": " + params.get("args"));
        } else if ("Runtime.exceptionThrown".equals(method)) {
            errors.add("exception: " + params.get("exceptionDetails"));
        } else if ("Log.entryAdded".equals(method)) {
            Map<String, Object> entry = (Map<String, Object>) params.get("entry");
            if ("error".equals(entry.get("level"))) {
                errors.add("log (" + entry.get("source") + "): " + entry.get("text") + " " + entry.get("url"));
            }
        }
    }

    @Override
    protected String failure(Map<String, Object> m) {
        return m.containsKey("error") ? "DevTools: " + m.get("error") : null;
    }

    private Map<String, Object> command(String inSession, String method, String paramsJson) throws Exception {
        return call(method, paramsJson, inSession == null ? "" : ",\"sessionId\":" + quote(inSession));
    }

    /** A DevTools command on the page; its result. */
    public Map<String, Object> send(String method, String paramsJson) throws Exception {
        return command(session, method, paramsJson);
    }

    public void viewport(int width, int height, boolean mobile) throws Exception {
        send("Emulation.setDeviceMetricsOverride", "{\"width\":" + width + ",\"height\":" + height
                + ",\"deviceScaleFactor\":1,\"mobile\":" + mobile + "}");
    }

    /** Evaluates {@code js} in the page (awaiting a promise); its value as JSON types; a thrown error fails. */
    @Override
    @SuppressWarnings("unchecked")
    public Object eval(String js) throws Exception {
        Map<String, Object> r = send("Runtime.evaluate", "{\"expression\":" + quote(js)
                + ",\"awaitPromise\":true,\"returnByValue\":true}");
        if (r.containsKey("exceptionDetails")) {
            throw new AssertionError("page script failed: " + js + ": " + r.get("exceptionDetails"));
        }
        return ((Map<String, Object>) r.get("result")).get("value");
    }

    /** Loads {@code url} and waits for the document to be complete. */
    public void open(String url) throws Exception {
        send("Page.navigate", "{\"url\":" + quote(url) + "}");
        await("document.readyState === 'complete' && location.href === " + quote(url), Duration.ofSeconds(10));
    }

    /** Clicks the element {@code selector} names (the page's own click handling runs). */
    public void click(String selector) throws Exception {
        eval("(() => { const e = document.querySelector(" + quote(selector) + "); if (!e) throw new Error('no "
                + selector.replace("'", "") + "'); e.click(); })()");
    }

    /** Types {@code value} into the field {@code selector} names, as a person's input events would. */
    public void type(String selector, String value) throws Exception {
        eval("(() => { const e = document.querySelector(" + quote(selector) + "); e.focus(); e.value = " + quote(value)
                + "; e.dispatchEvent(new Event('input', {bubbles: true})); })()");
    }

    /** Presses and releases a key as a keyboard would (Tab moves the focus, Enter activates): Tab, Enter, Escape. */
    public void press(String key) throws Exception {
        int code = switch (key) {
            case "Tab" -> 9;
            case "Enter" -> 13;
            case "Escape" -> 27;
            default -> throw new IllegalArgumentException("no key code for " + key);
        };
        String common = "\"key\":" + quote(key) + ",\"code\":" + quote(key) + ",\"windowsVirtualKeyCode\":" + code
                + ",\"nativeVirtualKeyCode\":" + code;
        send("Input.dispatchKeyEvent", "{\"type\":\"keyDown\"," + common
                + (key.equals("Enter") ? ",\"text\":\"\\r\",\"unmodifiedText\":\"\\r\"" : "") + "}");
        send("Input.dispatchKeyEvent", "{\"type\":\"keyUp\"," + common + "}");
    }

    public void screenshot(Path file) throws Exception {
        String data = (String) send("Page.captureScreenshot", "{\"format\":\"png\"}").get("data");
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(data));
    }

    @Override
    protected void closeBrowser() throws Exception {
        command(null, "Browser.close", "{}");
    }
}
