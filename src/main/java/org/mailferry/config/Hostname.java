package org.mailferry.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The system's host name, for greetings and Received headers when none is configured. */
public final class Hostname {
    private Hostname() {
    }

    public static String local() {
        try { // what gethostname() returns, without the name service (the sendmail command starts faster)
            String h = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/sys/kernel/hostname")),
                    java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: ask the JDK
        }
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h == null || h.isBlank() ? "localhost" : h;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
