package org.mailferry.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Debian tools for interop tests: skipped when absent, unless MAILFERRY_REQUIRE_INTEROP=1 (CI). */
public final class Tools {
    private Tools() {
    }

    public static boolean interopRequired() {
        return "1".equals(System.getenv("MAILFERRY_REQUIRE_INTEROP"));
    }

    /** The path of a tool; the test is skipped (or fails in CI) when it is not installed. */
    public static Path require(String... candidates) {
        for (String c : candidates) {
            Path p = Path.of(c);
            if (p.isAbsolute() && Files.isExecutable(p)) {
                return p;
            }
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                Path q = Path.of(dir, c);
                if (Files.isExecutable(q)) {
                    return q;
                }
            }
        }
        String msg = candidates[0] + " is not installed (apt-get install postfix swaks mailutils; .ci/run does)";
        if (interopRequired()) {
            throw new AssertionError(msg);
        }
        Assumptions.abort(msg);
        return null;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs a command to completion; returns exit code, output captured to {@code log}. */
    public static int run(List<String> command, Path log, long timeoutSeconds) throws IOException,
            InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command.get(0) + " did not finish in " + timeoutSeconds + " s; output in " + log);
        }
        return p.exitValue();
    }

    /** Waits until something listens on 127.0.0.1:port. */
    public static void awaitPort(int port, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new AssertionError("nothing listens on port " + port);
    }
}
