package org.mailferry.notify;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One log line in log.format's shape, without the line end. Text is the stdout layout of
 * logback.xml: {@code Dec 05 08:40:01.123 mailferry/maillog: MESSAGE}, without the time and the
 * name where syslog and journald add them ({@code maillog: MESSAGE}). JSON has the same fields and
 * the level: {@code {"time":"...","level":"info","logger":"maillog","message":"..."}}. The
 * message is escaped either way ({@link PrintableMessage}, JSON string escapes), so no value from
 * outside can start a line of its own.
 */
public final class LogLine {
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("MMM dd HH:mm:ss",
            Locale.ROOT).withZone(ZoneId.systemDefault());

    /** The last second's "Dec 05 08:40:01" (formatting it for each line cost 2% of the CPU, issue 19). */
    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    private record Second(long epochSecond, String text) {
    }

    private LogLine() {
    }

    /** "Dec 05 08:40:01.123": the second's text formatted once, the milliseconds appended. */
    static String time(long epochMilli) {
        long second = Math.floorDiv(epochMilli, 1000);
        Second s = lastSecond;
        if (s.epochSecond() != second) {
            s = new Second(second, SECOND.format(Instant.ofEpochSecond(second)));
            lastSecond = s;
        }
        int ms = (int) Math.floorMod(epochMilli, 1000);
        return s.text() + (ms < 10 ? ".00" : ms < 100 ? ".0" : ".") + ms;
    }

    /** "maillog" for the logger mailferry.maillog. */
    static String component(ILoggingEvent e) {
        String name = e.getLoggerName();
        return name.substring(name.lastIndexOf('.') + 1);
    }

    /** {@code withTime}: stdout's "Dec 05 08:40:01.123 mailferry/NAME: MESSAGE"; else "NAME: MESSAGE". */
    public static String text(ILoggingEvent e, boolean withTime) {
        String msg = PrintableMessage.escape(e.getFormattedMessage());
        return withTime ? time(e.getTimeStamp()) + " mailferry/" + component(e)
                + ": " + msg : component(e) + ": " + msg;
    }

    public static String json(ILoggingEvent e) {
        return Json.object().field("time", Instant.ofEpochMilli(e.getTimeStamp()))
                .field("level", e.getLevel().toString().toLowerCase(Locale.ROOT)).field("logger", component(e))
                .field("message", e.getFormattedMessage()).end();
    }

    /** The syslog severity of a level (RFC 5424 6.2.1): error 3, warning 4, info 6, debug and trace 7. */
    public static int severity(Level level) {
        if (level.isGreaterOrEqual(Level.ERROR)) {
            return 3;
        }
        if (level.isGreaterOrEqual(Level.WARN)) {
            return 4;
        }
        return level.isGreaterOrEqual(Level.INFO) ? 6 : 7;
    }
}
