package org.mailferry.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The mailferry.toml of a daemon run as a process in a test: loopback listener, smarthost, no admin API. */
public final class DaemonConfig {
    private DaemonConfig() {
    }

    /** Writes the file; {@code more} is appended (further tables, e.g. "[webhook]\nurl = ..."). */
    public static Path write(Path file, int listenPort, Path spool, int smarthostPort, String more)
            throws IOException {
        return Files.writeString(file, """
                [smtpd]
                listen = "127.0.0.1:%d"
                hostname = "relay.test"
                [queue]
                spool = "%s"
                [relay]
                smarthost = "[127.0.0.1]:%d"
                [admin]
                listen = "off"
                """.formatted(listenPort, spool, smarthostPort) + more);
    }
}
