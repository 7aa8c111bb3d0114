package org.mailferry.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads relay.sender_relay_map, the text of Postfix's sender_dependent_relayhost_maps as it is (no
 * postmap step): one entry per line, the envelope sender or its {@code @domain} (or {@code <>} for
 * the null sender), then the smarthost (relay.smarthost's syntax; a comma-separated list for
 * failover), then, a Mailferry extension, that route's quotas:
 * <pre>
 * # comment
 * alice@example.com   [smtp.office365.com]:587   message_rate=28/1m recipient_daily_limit=9500 connection_limit=3
 * @example.org        [smtp.gmail.com]:587
 * &lt;&gt;                  DUNNO
 * </pre>
 * {@code DUNNO} (Postfix's word) sends that sender through relay.smarthost. Keys are matched
 * without regard to case. Every error names the file and the line.
 */
public final class SenderRelayMap {
    private SenderRelayMap() {
    }

    /**
     * One entry.
     * @param key        "user@domain", "@domain" or "&lt;&gt;", lower case
     * @param smarthosts empty for DUNNO: relay.smarthost
     * @param source     "file:line"
     */
    public record Entry(String key, List<Smarthost> smarthosts, RateLimits limits, String source) {
    }

    public static List<Entry> parse(String file, String text) throws ConfigException {
        List<Entry> out = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\\s+");
            if (cols.length < 2) {
                throw ConfigException.at(file, i + 1, "a sender relay line is 'sender@domain [smarthost]:port' or "
                        + "'@domain [smarthost]:port', e.g. 'alice@example.com [smtp.office365.com]:587'");
            }
            String key = cols[0].toLowerCase(Locale.ROOT);
            if (!key.equals("<>") && !key.matches("[^@\\s]*@[a-z0-9.-]+")) {
                throw ConfigException.at(file, i + 1, "'" + printable(cols[0]) + "' is not a sender key; write "
                        + "user@domain, @domain, or <> for the null sender");
            }
            if (!keys.add(key)) {
                throw ConfigException.at(file, i + 1, "'" + key + "' is listed twice; keep one line for it");
            }
            List<Smarthost> smarthosts = new ArrayList<>();
            if (!cols[1].equalsIgnoreCase("DUNNO")) {
                for (String spec : cols[1].split(",")) {
                    if (spec.isBlank()) {
                        continue;
                    }
                    try {
                        smarthosts.add(Smarthost.parse(spec));
                    } catch (IllegalArgumentException e) {
                        throw ConfigException.at(file, i + 1, e.getMessage());
                    }
                }
            }
            out.add(new Entry(key, List.copyOf(smarthosts), limits(file, i + 1, cols), file + ":" + (i + 1)));
        }
        return List.copyOf(out);
    }

    private static RateLimits limits(String file, int line, String[] cols) throws ConfigException {
        String rate = "0";
        long recipients = 0;
        int connections = 0;
        for (int c = 2; c < cols.length; c++) {
            int eq = cols[c].indexOf('=');
            String name = eq < 0 ? cols[c] : cols[c].substring(0, eq);
            String value = eq < 0 ? "" : cols[c].substring(eq + 1);
            try {
                switch (name) {
                    case "message_rate" -> rate = value;
                    case "recipient_daily_limit" -> recipients = bounded(value, 100_000_000);
                    case "connection_limit" -> connections = (int) bounded(value, 1_000);
                    default -> throw new IllegalArgumentException("unknown option '" + printable(cols[c])
                            + "'; the options are message_rate=N/PERIOD, recipient_daily_limit=N, connection_limit=N");
                }
            } catch (NumberFormatException e) {
                throw ConfigException.at(file, line, name + ": '" + printable(value) + "' is not a whole number");
            } catch (IllegalArgumentException e) {
                throw ConfigException.at(file, line, e.getMessage());
            }
        }
        try {
            return RateLimits.withRate(rate, recipients, connections);
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(file, line, "message_rate: " + e.getMessage());
        }
    }

    private static long bounded(String value, long max) {
        long n = Long.parseLong(value);
        if (n < 0 || n > max) {
            throw new IllegalArgumentException("'" + value + "' is out of range: it must be from 0 to " + max);
        }
        return n;
    }

    private static String printable(String s) {
        String t = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
