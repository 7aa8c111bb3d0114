package org.mailferry.config;

import java.time.Duration;
import java.util.Locale;

/** Durations ("300s", "5m", "4h", "5d", "250ms"; a bare number is seconds) and sizes ("10MiB"). */
public final class Units {
    private Units() {
    }

    public static Duration duration(Object v) {
        if (v instanceof Long n) {
            return Duration.ofSeconds(n);
        }
        String s = v.toString().strip().toLowerCase(Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+)(ms|s|m|h|d|w)?").matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + v + "' is not a duration; write e.g. 300s, 5m, 4h or 5d");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }

    public static long bytes(Object v) {
        if (v instanceof Long n) {
            return n;
        }
        String s = v.toString().strip();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+)\\s*([KMG]i?B?|B)?",
                java.util.regex.Pattern.CASE_INSENSITIVE).matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + v + "' is not a size; write e.g. 10485760, 512KiB or 10MiB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toUpperCase(Locale.ROOT);
        if (unit.startsWith("K")) {
            return n * 1024;
        }
        if (unit.startsWith("M")) {
            return n * 1024 * 1024;
        }
        if (unit.startsWith("G")) {
            return n * 1024 * 1024 * 1024;
        }
        return n;
    }
}
