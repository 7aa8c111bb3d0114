package org.mailferry.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Postfix's {@code smtp-sink} as a smarthost: offers PIPELINING, 8BITMIME, DSN and the rest, and
 * dumps each message it accepts into its own file (envelope as X-Mail-Args/X-Rcpt-Args headers,
 * then the message with LF line endings).
 */
public final class SmtpSink implements AutoCloseable {
    private final Process process;
    private final Path dumps;
    public final int port;

    public SmtpSink(Path dir) throws IOException, InterruptedException {
        Path bin = Tools.require("/usr/sbin/smtp-sink", "smtp-sink");
        dumps = Files.createDirectories(dir.resolve("sink"));
        port = Tools.freePort();
        process = new ProcessBuilder(bin.toString(), "-u", System.getProperty("user.name"), "-d",
                dumps + "/%M.", "127.0.0.1:" + port, "100")
                .redirectErrorStream(true).redirectOutput(dir.resolve("smtp-sink.log").toFile()).start();
        Tools.awaitPort(port, 5000);
    }

    /** The dumped messages so far, as text. */
    public List<String> messages() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dumps)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                out.add(Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    public List<String> awaitMessages(int n, long timeoutMillis) throws IOException, InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        List<String> m = messages();
        while (m.size() < n && System.currentTimeMillis() < end) {
            Thread.sleep(20);
            m = messages();
        }
        return m;
    }

    @Override
    public void close() {
        process.destroy();
    }
}
