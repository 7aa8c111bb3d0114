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
        if (v != null && k.equals(Key.WEBHOOK_URL)) {
            Object masked = maskUrls(v.value());
            String note = masked.equals(v.value()) ? "" : "credentials in the URL masked";
            note = source == null ? note : note.isEmpty() ? source : source + "; " + note;
            return name + " = " + value(k, masked, v.line() == 0) + (note.isEmpty() ? "" : "  # " + note);
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

    /** Query parameters whose values are credentials in webhook URLs (a token, key, signature, password). */
    private static final java.util.regex.Pattern SECRET_PARAMETER = java.util.regex.Pattern.compile(
            "(?i)([?&](?:[a-z0-9_.-]*(?:token|key|secret|sig|signature|password|passwd|pass|auth|code|credential)"
                    + "[a-z0-9_.-]*)=)[^&#]*");
    /** The password of a URL's user information: scheme://user:PASSWORD@host. */
    private static final java.util.regex.Pattern URL_PASSWORD = java.util.regex.Pattern.compile(
            "^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:?#]*:)[^/@?#]*@");

    /**
     * A webhook URL (or a list of them, or TOML list text) with its credentials replaced by
     * "***": the password of user information and the values of query parameters named like a
     * token, key, secret, signature or password. A secret in the path itself cannot be told from
     * a path and stays (keep such URLs in the environment, MAILFERRY_WEBHOOK_URL).
     */
    static Object maskUrls(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(ConfigText::maskUrls).toList();
        }
        if (value instanceof String text && text.strip().startsWith("[")) { // a list from the environment
            try {
                return maskUrls(Toml.parse("", "x = " + text.strip()).get("x").value());
            } catch (ConfigException | RuntimeException notToml) {
                return SECRET_PARAMETER.matcher(text).replaceAll("$1***");
            }
        }
        if (value instanceof String url) {
            String m = URL_PASSWORD.matcher(url).replaceFirst("$1***@");
            return SECRET_PARAMETER.matcher(m).replaceAll("$1***");
        }
        return value;
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
