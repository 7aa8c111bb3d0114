package org.mailferry.cli;

/**
 * An RFC 5322 date ("Wed, 25 Nov 2026 21:05:00 +0100") by arithmetic, without java.time's
 * formatter and locale machinery, which would cost the sendmail command tens of milliseconds.
 */
final class MessageDate {
    private static final String[] DAYS = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};

    private MessageDate() {
    }

    static String format(long epochMillis, int offsetMillis) {
        long local = Math.floorDiv(epochMillis + offsetMillis, 1000L);
        long days = Math.floorDiv(local, 86400L);
        long secs = Math.floorMod(local, 86400L);
        // civil date from days since 1970-01-01 (H. Hinnant's algorithm)
        long z = days + 719468;
        long era = Math.floorDiv(z, 146097);
        long doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long day = doy - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        int offMin = offsetMillis / 60000;
        StringBuilder sb = new StringBuilder(32)
                .append(DAYS[(int) Math.floorMod(days, 7L)]).append(", ").append(day).append(' ')
                .append(MONTHS[(int) month - 1]).append(' ').append(year).append(' ');
        two(sb, secs / 3600).append(':');
        two(sb, secs / 60 % 60).append(':');
        two(sb, secs % 60).append(' ').append(offMin < 0 ? '-' : '+');
        two(sb, Math.abs(offMin) / 60);
        return two(sb, Math.abs(offMin) % 60).toString();
    }

    private static StringBuilder two(StringBuilder sb, long v) {
        return sb.append(v < 10 ? "0" : "").append(v);
    }
}
