package org.mailferry.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The system's host name, for greetings and Received headers when none is configured. */
public final class Hostname {
    private Hostname() {
    }

    public static String local() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h == null || h.isBlank() ? "localhost" : h;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
