package org.mailferry.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code mailferry config show}: the effective configuration as TOML that loads back to the same
 * configuration, as {@code postconf} (every key, defaults included) and {@code postconf -n} (only
 * the keys set) print Postfix's. Secrets ({@link Key#SECRETS}) are never printed: their line is a
 * comment saying where they were set. A key without a value by default ("none") is a comment too.
 */
public final class ConfigText {
    /** Defaults computed from other keys or the host: shown as the value in use. */
    private static final Map<Key, Function<Config, Object>> COMPUTED = Map.of(
            Key.SMTPD_HOSTNAME, c -> c.smtpd().hostname(),
            Key.SMTPD_MYNETWORKS_RESERVED_CONNECTIONS, c -> (long) c.smtpd().mynetworksReservedConnections(),
            Key.QUEUE_SPOOL, c -> c.queue().spool().toString(),
            Key.RELAY_HELO_NAME, c -> c.relay().heloName(),
            Key.SENDMAIL_ORIGIN_DOMAIN, c -> c.sendmail().originDomain());

    private ConfigText() {
    }

    /** The configuration as TOML; {@code onlySet}: only keys set in the file, environment or command line. */
    public static String render(Effective e, boolean onlySet) {
        StringBuilder out = new StringBuilder();
        out.append("# mailferry config show").append(onlySet ? " -n" : "").append(": ")
                .append(e.file() == null ? "no config file" : e.file().toString())
                .append(onlySet ? "; only the keys set" : "; defaults included").append('\n');
        String section = "";
        for (Key k : Key.ALL) {
            Toml.Value v = e.set().get(k.name());
            if (onlySet && v == null) {
                continue;
            }
            String table = k.name().substring(0, k.name().indexOf('.'));
            if (!table.equals(section)) {
                out.append('\n').append('[').append(table).append("]\n");
                section = table;
            }
            out.append(line(k, v, e)).append('\n');
        }
        return out.toString();
    }

    private static String line(Key k, Toml.Value v, Effective e) {
        String name = k.name().substring(k.name().indexOf('.') + 1);
        String source = e.sources().get(k.name());
        if (v != null && Key.SECRETS.contains(k)) {
            return "# " + name + " = (secret, not shown; set " + (source != null ? "by " + source
                    : "in " + e.file() + ":" + v.line()) + ")";
        }
        if (v != null) {
            return name + " = " + value(k, v.value(), v.line() == 0) + (source != null ? "  # " + source : "");
        }
        Function<Config, Object> computed = COMPUTED.get(k);
        if (computed != null) {
            return name + " = " + value(k, computed.apply(e.config()), false);
        }
        if (k.defaultValue().startsWith("(")) {
            return "# " + name + " = " + k.defaultValue();
        }
        return name + " = " + value(k, k.defaultValue(), true);
    }

    /**
     * A value as TOML. {@code asText}: written as text (a default, a variable, an option), so a
     * number or boolean is one where the key's default is one, and a list is TOML already.
     */
    private static String value(Key k, Object o, boolean asText) {
        if (asText && o instanceof String s) {
            String t = s.strip();
            if (t.startsWith("[")) {
                try {
                    return value(k, Toml.parse("", "x = " + t).get("x").value(), false);
                } catch (ConfigException | RuntimeException notToml) {
                    return quote(s);
                }
            }
            boolean numberDefault = k.defaultValue().matches("-?[0-9]+|true|false");
            if (numberDefault && t.matches("-?[0-9]+|true|false")) {
                return t;
            }
            return quote(s);
        }
        if (o instanceof String s) {
            return quote(s);
        }
        if (o instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            for (Object item : list) {
                items.add(value(k, item, false));
            }
            return "[" + String.join(", ", items) + "]";
        }
        return String.valueOf(o);
    }

    /** A TOML basic string. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
