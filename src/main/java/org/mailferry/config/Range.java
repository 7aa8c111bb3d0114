package org.mailferry.config;

import java.util.Map;

/**
 * The range of every numeric key (issue 20: {@code relay.concurrency = 100000000} started 20,319
 * threads). A value outside it is a start-up error naming the key, the value and the range;
 * docs/configuration.md gives each beside its key (ConfigDocsTest checks). Durations have their own
 * rule (more than 0, or 0 where it disables, up to 36500d: {@link Units}).
 *
 * @param sizes true when the bounds are byte sizes (written with KiB/MiB/GiB in messages)
 */
public record Range(long min, long max, boolean sizes) {
    private static final long KIB = 1024;
    private static final long MIB = KIB * 1024;
    private static final long GIB = MIB * 1024;

    static final Map<Key, Range> OF = Map.ofEntries(
            Map.entry(Key.SMTPD_MAX_MESSAGE_SIZE, new Range(1, 2 * GIB, true)),
            Map.entry(Key.SMTPD_MAX_RECIPIENTS, new Range(1, 100_000, false)),
            Map.entry(Key.QUEUE_POSTGRESQL_POOL_SIZE, new Range(2, 1000, false)),
            Map.entry(Key.QUEUE_PREFETCH, new Range(0, 100_000, false)),
            Map.entry(Key.SMTPD_MAX_CONNECTIONS, new Range(1, 10_000, false)),
            Map.entry(Key.SMTPD_MAX_CONNECTIONS_PER_CLIENT, new Range(1, 10_000, false)),
            Map.entry(Key.SMTPD_MIN_DATA_RATE, new Range(0, GIB, false)),
            Map.entry(Key.SMTPD_MAX_LINE_LENGTH, new Range(0, MIB, false)),
            Map.entry(Key.QUEUE_BOUNCE_SIZE_LIMIT, new Range(0, GIB, true)),
            Map.entry(Key.QUEUE_JOURNAL_LIMIT, new Range(0, 64 * MIB, true)),
            Map.entry(Key.RELAY_CONCURRENCY, new Range(1, 1_000, false)),
            Map.entry(Key.RELAY_RECIPIENT_DAILY_LIMIT, new Range(0, 100_000_000, false)),
            Map.entry(Key.RELAY_CONNECTION_LIMIT, new Range(0, 1_000, false)),
            Map.entry(Key.SENDMAIL_MAX_CONNECTIONS, new Range(1, 10_000, false)),
            Map.entry(Key.SENDMAIL_MAX_CONNECTIONS_PER_USER, new Range(1, 10_000, false)));

    public static Range of(Key key) {
        Range r = OF.get(key);
        if (r == null) {
            throw new IllegalArgumentException("no range for " + key.name()); // a bug: every numeric key has one
        }
        return r;
    }

    public boolean contains(long n) {
        return n >= min && n <= max;
    }

    /** "1 to 1000", or for sizes "0 to 1GiB". */
    public String text() {
        return write(min) + " to " + write(max);
    }

    private String write(long n) {
        if (!sizes || n == 0) {
            return Long.toString(n);
        }
        return n % GIB == 0 ? n / GIB + "GiB" : n % MIB == 0 ? n / MIB + "MiB" : n % KIB == 0 ? n / KIB + "KiB"
                : Long.toString(n);
    }
}
