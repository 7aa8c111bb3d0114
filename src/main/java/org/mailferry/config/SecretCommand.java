package org.mailferry.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a configured command without a shell (relay.password_command, relay.oauth2_token_command,
 * queue.postgresql_password_command) and
 * takes the first line of its standard output as the secret. Errors never include the output.
 */
public final class SecretCommand {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private SecretCommand() {
    }

    public static Secret firstLine(List<String> argv, String key) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new IOException(key + ": cannot run " + argv.get(0) + " (not found or not executable)");
        }
        String line;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            line = r.readLine();
            r.transferTo(java.io.Writer.nullWriter());
        }
        try {
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(key + ": " + argv.get(0) + " did not finish within " + TIMEOUT.toSeconds() + "s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(key + ": interrupted");
        }
        if (p.exitValue() != 0) {
            throw new IOException(key + ": " + argv.get(0) + " exited with status " + p.exitValue());
        }
        if (line == null || line.isEmpty()) {
            throw new IOException(key + ": " + argv.get(0) + " printed nothing");
        }
        return new Secret(line);
    }
}
