package org.mailferry.imports;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Sendmail's and Postfix's time values ({@code 5d}, {@code 4h}, sendmail's {@code 1h30m}) in
 * seconds, and back as Mailferry writes them. A bare number takes the directive's own unit:
 * days for sendmail's Timeout.queuereturn and Postfix's maximal_queue_lifetime, hours for
 * Timeout.queuewarn and delay_warning_time (as their readers, sendmail's convtime and Postfix's
 * get_mail_conf_time, do).
 */
final class TimeValue {
    private static final Pattern PART = Pattern.compile("([0-9]+)([smhdw]?)");

    private TimeValue() {
    }

    /** Seconds, or null when the text is not a time value. */
    static @Nullable Long seconds(String text, char defaultUnit) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) {
            return null;
        }
        Matcher m = PART.matcher(s);
        long total = 0;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                return null;
            }
            char unit = m.group(2).isEmpty() ? defaultUnit : m.group(2).charAt(0);
            try {
                total = Math.addExact(total, Math.multiplyExact(Long.parseLong(m.group(1)), unitSeconds(unit)));
            } catch (ArithmeticException | NumberFormatException e) {
                return null;
            }
            at = m.end();
        }
        return total;
    }

    /** Mailferry's way of writing it: the largest unit that divides it ("90m", "5d", "0s"). */
    static String text(long seconds) {
        for (char unit : new char[] {'d', 'h', 'm'}) {
            long u = unitSeconds(unit);
            if (seconds != 0 && seconds % u == 0) {
                return seconds / u + String.valueOf(unit);
            }
        }
        return seconds + "s";
    }

    private static long unitSeconds(char unit) {
        return switch (unit) {
            case 'w' -> 7 * 86400L;
            case 'd' -> 86400L;
            case 'h' -> 3600L;
            case 'm' -> 60L;
            default -> 1L;
        };
    }
}
