package org.mailferry.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's headless Firefox ESR driven over WebDriver BiDi, which Firefox serves itself on a
 * loopback WebSocket ({@code --remote-debugging-port}; no geckodriver, no Selenium; the JDK's
 * HttpClient): one tab, JavaScript evaluated in it, screenshots, and every error the page logged
 * (console errors, uncaught exceptions) collected for the test to assert on.
 */
public final class Firefox extends BrowserSocket {
    public static final Path BINARY = Path.of("/usr/bin/firefox-esr");
    private static final Pattern LISTENING = Pattern.compile("WebDriver BiDi listening on (ws://\\S+)");

    private String context;

    /** Skips the test when Firefox ESR is missing, or fails it under MAILFERRY_REQUIRE_INTEROP=1 (CI). */
    public static void require() {
        require(BINARY, "firefox-esr");
    }

    private Firefox(Process process, URI endpoint) throws Exception {
        super(process, endpoint);
    }

    /** Starts a browser with a fresh profile and its log under {@code dir}; one tab at 1280 x 900. */
    public static Firefox start(Path dir) throws Exception {
        Path profile = Files.createDirectories(dir.resolve("firefox-profile"));
        Path log = dir.resolve("firefox.log");
        Process p = new ProcessBuilder(BINARY.toString(), "--headless", "--no-remote", "--remote-debugging-port=0",
                "-profile", profile.toString(), "--width=1280", "--height=900", "about:blank")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Matcher m = LISTENING.matcher("");
        while (!m.reset(Files.readString(log)).find()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("firefox did not start within 30 s; see " + log);
            }
            Thread.sleep(50);
        }
        Firefox f = new Firefox(p, URI.create(m.group(1) + "/session"));
        try {
            f.command("session.new", "{\"capabilities\":{}}");
            f.command("session.subscribe", "{\"events\":[\"log.entryAdded\"]}");
            f.context = f.firstContext();
        } catch (Exception e) {
            f.close();
            throw e;
        }
        return f;
    }

    @SuppressWarnings("unchecked")
    private String firstContext() throws Exception {
        List<Object> contexts = (List<Object>) command("browsingContext.getTree", "{}").get("contexts");
        return (String) ((Map<String, Object>) contexts.getFirst()).get("context");
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void event(Map<String, Object> m) {
        if ("log.entryAdded".equals(m.get("method"))) {
            Map<String, Object> entry = (Map<String, Object>) m.get("params");
            if ("error".equals(entry.get("level"))) {
                errors.add("log (" + entry.get("type") + "): " + entry.get("text"));
            }
        }
    }

    @Override
    protected String failure(Map<String, Object> m) {
        return "error".equals(m.get("type")) ? "BiDi: " + m.get("error") + ": " + m.get("message") : null;
    }

    private Map<String, Object> command(String method, String paramsJson) throws Exception {
        return call(method, paramsJson, "");
    }

    /** Evaluates {@code js} in the tab (awaiting a promise); its value (strings, numbers, booleans); a thrown error fails. */
    @Override
    @SuppressWarnings("unchecked")
    public Object eval(String js) throws Exception {
        Map<String, Object> r = command("script.evaluate", "{\"expression\":" + quote(js)
                + ",\"target\":{\"context\":" + quote(context) + "},\"awaitPromise\":true}");
        if ("exception".equals(r.get("type"))) {
            throw new AssertionError("page script failed: " + js + ": " + r.get("exceptionDetails"));
        }
        return ((Map<String, Object>) r.get("result")).get("value");
    }

    /** Loads {@code url} and waits for the document to be complete. */
    public void open(String url) throws Exception {
        command("browsingContext.navigate", "{\"context\":" + quote(context) + ",\"url\":"
                + quote(url) + ",\"wait\":\"complete\"}");
    }

    public void screenshot(Path file) throws Exception {
        String data = (String) command("browsingContext.captureScreenshot", "{\"context\":" + quote(context)
                + "}").get("data");
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(data));
    }

    @Override
    protected void closeBrowser() throws Exception {
        command("browser.close", "{}");
    }
}
