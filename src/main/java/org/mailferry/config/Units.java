package org.mailferry.config;

import java.time.Duration;
import java.util.Locale;

/** Durations ("300s", "5m", "4h", "5d", "250ms"; a bare number is seconds) and sizes ("10MiB"). */
public final class Units {
    private Units() {
    }

    /** The longest duration accepted: more is surely a typo, and it keeps toMillis() from overflowing. */
    static final Duration MAX_DURATION = Duration.ofDays(36500);

    public static Duration duration(Object v) {
        Duration d;
        try {
            d = parseDuration(v);
        } catch (ArithmeticException | NumberFormatException e) {
            d = null;
        }
        if (d == null || d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("'" + v + "' is too long; at most 36500d");
        }
        return d;
    }

    private static Duration parseDuration(Object v) {
        if (v instanceof Long n) {
            if (n < 0) {
                throw new IllegalArgumentException("'" + v + "' is negative; write e.g. 300s, 5m, 4h or 5d");
            }
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

    /**
     * Bytes, or KiB/MiB/GiB (also written K, M, G: 1024-based). KB, MB, GB are refused with the fix,
     * not guessed: "10 GB" was read as 10GiB (issue 20), and an operator may have meant 10^10 bytes.
     */
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
        String unit = m.group(2) == null ? "" : m.group(2).toUpperCase(Locale.ROOT);
        if (unit.length() == 2 && unit.endsWith("B")) { // KB, MB, GB: 1000- or 1024-based?
            String p = unit.substring(0, 1);
            throw new IllegalArgumentException("'" + v + "': " + m.group(2) + " is ambiguous (1000- or 1024-based); write "
                    + m.group(1) + p + "iB for " + m.group(1) + " x " + ("K".equals(p) ? "1024" : "M".equals(p)
                    ? "1024^2" : "1024^3") + " bytes, or the number of bytes");
        }
        long factor = unit.startsWith("K") ? 1024L : unit.startsWith("M") ? 1024L * 1024 : unit.startsWith("G")
                ? 1024L * 1024 * 1024 : 1;
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), factor); // no silent wrap-around
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is too large");
        }
    }
}
