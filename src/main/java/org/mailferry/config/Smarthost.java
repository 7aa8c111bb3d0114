package org.mailferry.config;

import java.util.Locale;
import java.util.function.Function;

/**
 * Where all mail goes. Written as sendmail's SMART_HOST or Postfix's relayhost:
 * {@code smtp:[host]:port}, {@code [host]:port}, {@code host:port}, {@code host}. Brackets mean
 * "connect to this host" (no MX lookup); without them the host's MX records are used, falling back
 * to the host itself (RFC 5321 5.1). The port defaults to 25, as in sendmail and Postfix.
 */
public record Smarthost(String host, int port, boolean mxLookup, String spec) {
    public static final int DEFAULT_PORT = 25;

    public static Smarthost parse(String spec) throws IllegalArgumentException {
        String s = spec.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        for (String mailer : new String[] {"smtp:", "esmtp:", "smtp8:", "dsmtp:", "relay:"}) {
            if (lower.startsWith(mailer)) {
                s = s.substring(mailer.length());
                break;
            }
        }
        String host;
        String portText = null;
        boolean mx;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw bad(spec, "missing ']'");
            }
            host = s.substring(1, close);
            if (host.regionMatches(true, 0, "IPv6:", 0, 5)) {
                host = host.substring(5);
            }
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw bad(spec, "expected ':port' after ']'");
                }
                portText = rest.substring(1);
            }
            mx = false;
        } else {
            int colon = s.indexOf(':');
            if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) {
                throw bad(spec, "an IPv6 address must be in brackets, e.g. [::1]:25");
            }
            host = colon < 0 ? s : s.substring(0, colon);
            portText = colon < 0 ? null : s.substring(colon + 1);
            mx = true;
        }
        if (host.isEmpty()) {
            throw bad(spec, "no host name");
        }
        if (!host.matches("[A-Za-z0-9._:-]+")) {
            throw bad(spec, "'" + host + "' is not a host name or address");
        }
        if (mx && (host.matches("[0-9.]+"))) {
            mx = false; // an IP address has no MX records
        }
        int port = portText == null ? DEFAULT_PORT : port(portText, why -> bad(spec, why));
        return new Smarthost(host, port, mx, spec.strip());
    }

    /** A TCP or UDP port, 1-65535; {@code bad} makes the error from the reason. */
    static int port(String text, Function<String, IllegalArgumentException> bad) {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw bad.apply("port '" + text + "' is not a number");
        }
        if (port < 1 || port > 65535) {
            throw bad.apply("port " + port + " is out of range 1-65535");
        }
        return port;
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("'" + spec + "' is not a smarthost (" + why
                + "); write smtp:[host]:port, [host]:port, host:port or host");
    }

    @Override
    public String toString() {
        return mxLookup ? host + ":" + port : "[" + host + "]:" + port;
    }
}
