package org.mailferry.imports;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.mailferry.config.Smarthost;

/**
 * sendmail's SMART_HOST value as relay.smarthost specifications: an optional mailer
 * ({@code relay:}, the default, {@code esmtp:}, {@code smtp:}, {@code smtp8:}, {@code dsmtp:}),
 * then hosts separated by colons, each {@code host} or {@code [host]} (no MX lookup), tried in
 * order; a number after a host is its port (the form Mailferry documents, {@code [host]:587}),
 * else the port of the mailer's {@code *_MAILER_ARGS} ({@code TCP $h 587}), else 25.
 */
record SmartHost(String mailer, List<String> specs) {
    static final List<String> MAILERS = List.of("relay", "esmtp", "smtp", "smtp8", "dsmtp");

    static SmartHost parse(Directive d, String value, @Nullable Integer mailerPort) throws ImportException {
        String s = value.strip();
        String mailer = "relay";
        int colon = s.indexOf(':');
        if (colon > 0 && MAILERS.contains(s.substring(0, colon).toLowerCase(Locale.ROOT))) {
            mailer = s.substring(0, colon).toLowerCase(Locale.ROOT);
            s = s.substring(colon + 1);
        } else if (colon > 0 && s.substring(0, colon).matches("[a-z0-9-]+") && !s.startsWith("[")
                && !s.substring(colon + 1).matches("[0-9]+")) {
            throw ImportException.at(d, "the mailer '" + s.substring(0, colon) + ":' is not one Mailferry speaks ("
                    + String.join(", ", MAILERS) + "); write SMART_HOST as esmtp:[host] or [host]:port");
        }
        List<String> hosts = new ArrayList<>();
        List<String> parts = split(d, s);
        for (int i = 0; i < parts.size(); i++) {
            String host = parts.get(i);
            String port = i + 1 < parts.size() && parts.get(i + 1).matches("[0-9]+") ? parts.get(++i) : null;
            if (host.matches("[0-9]+")) {
                throw ImportException.at(d, "'" + value + "': a port (" + host + ") must follow a host; write "
                        + "[host]:port");
            }
            String spec = host + (port != null ? ":" + port : mailerPort != null ? ":" + mailerPort : "");
            try {
                Smarthost.parse(spec);
            } catch (IllegalArgumentException e) {
                throw ImportException.at(d, String.valueOf(e.getMessage()));
            }
            hosts.add(spec);
        }
        if (hosts.isEmpty()) {
            throw ImportException.at(d, "SMART_HOST is empty; write define(`SMART_HOST', `[smtp.example.com]:587')");
        }
        return new SmartHost(mailer, List.copyOf(hosts));
    }

    /** Splits at colons outside brackets: "[a]:587:[b]" is "[a]", "587", "[b]". */
    private static List<String> split(Directive d, String s) throws ImportException {
        List<String> out = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean bracket = false;
        for (char c : s.toCharArray()) {
            if (c == '[') {
                bracket = true;
            } else if (c == ']') {
                bracket = false;
            } else if (c == ':' && !bracket) {
                out.add(part.toString().strip());
                part.setLength(0);
                continue;
            }
            part.append(c);
        }
        if (bracket) {
            throw ImportException.at(d, "'" + s + "': a '[' is not closed; write [host]:port");
        }
        out.add(part.toString().strip());
        if (out.stream().anyMatch(String::isEmpty) && out.size() > 1) {
            throw ImportException.at(d, "'" + s + "' has an empty host between colons; write [host]:port");
        }
        return out.stream().filter(p -> !p.isEmpty()).toList();
    }

    /** The port in a mailer's arguments ({@code TCP $h 587}), or null. */
    static @Nullable Integer port(String mailerArgs) {
        String[] words = mailerArgs.strip().split("\\s+");
        if (words.length >= 3 && words[0].matches("(?i)TCP|IPC") && words[2].matches("[0-9]{1,5}")) {
            int p = Integer.parseInt(words[2]);
            return p >= 1 && p <= 65535 ? p : null;
        }
        return null;
    }
}
