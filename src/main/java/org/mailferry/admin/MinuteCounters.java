package org.mailferry.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the console's charts draw, kept by the daemon itself (no metrics system): for each minute of
 * the last 24 hours, how many recipients were delivered, deferred and bounced (expired included),
 * how many messages were received, the queue's size, and a histogram of delivery latency (arrival to
 * delivered) in {@link #BOUNDS_MS} buckets. A ring of 1,440 slots, each stamped with its minute, so a
 * slot from a day ago reads as empty; about 250 KB. Thread-safe. {@link #encode} and {@link #decode}
 * carry the last 24 hours across a restart ({@link CounterFile}).
 */
final class MinuteCounters {
    static final int MINUTES = 24 * 60;
    /** Upper bounds of the latency buckets, in ms; the last bucket is everything above. */
    static final long[] BOUNDS_MS = {100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000,
            600_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 432_000_000};

    enum Kind { RECEIVED, DELIVERED, DEFERRED, BOUNCED }

    private final long[] stamp = new long[MINUTES];
    private final long[][] counts = new long[Kind.values().length][MINUTES];
    private final long[] queueSize = new long[MINUTES];
    private final boolean[] sampled = new boolean[MINUTES];
    private final long[][] latency = new long[MINUTES][BOUNDS_MS.length + 1];

    private static long minute(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), 60);
    }

    /** The slot of {@code t}'s minute, cleared if it last held an older minute. */
    private int slot(long minute) {
        int i = (int) Math.floorMod(minute, MINUTES);
        if (stamp[i] != minute) {
            stamp[i] = minute;
            for (long[] c : counts) {
                c[i] = 0;
            }
            queueSize[i] = 0;
            sampled[i] = false;
            java.util.Arrays.fill(latency[i], 0);
        }
        return i;
    }

    synchronized void count(Instant t, Kind kind) {
        counts[kind.ordinal()][slot(minute(t))]++;
    }

    synchronized void latency(Instant t, Duration d) {
        long ms = Math.max(0, d.toMillis());
        int b = 0;
        while (b < BOUNDS_MS.length && ms > BOUNDS_MS[b]) {
            b++;
        }
        latency[slot(minute(t))][b]++;
    }

    /** The queue's size in {@code t}'s minute (the last sample of the minute counts). */
    synchronized void queueSize(Instant t, long n) {
        int i = slot(minute(t));
        queueSize[i] = n;
        sampled[i] = true;
    }

    /** The sum of {@code kind} over the {@code minutes} minutes up to and including {@code now}'s. */
    synchronized long total(Instant now, Kind kind, int minutes) {
        long m = minute(now);
        long sum = 0;
        for (long x = m - minutes + 1; x <= m; x++) {
            int i = (int) Math.floorMod(x, MINUTES);
            if (stamp[i] == x) {
                sum += counts[kind.ordinal()][i];
            }
        }
        return sum;
    }

    /** One series per minute, oldest first, ending with {@code now}'s minute; null where nothing was sampled. */
    record Series(long firstMinute, List<long[]> counts, Long[] queueSize) {
    }

    synchronized Series series(Instant now) {
        long last = minute(now);
        long first = last - MINUTES + 1;
        List<long[]> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            long[] s = new long[MINUTES];
            for (int j = 0; j < MINUTES; j++) {
                long x = first + j;
                int i = (int) Math.floorMod(x, MINUTES);
                s[j] = stamp[i] == x ? counts[k.ordinal()][i] : 0;
            }
            out.add(s);
        }
        Long[] q = new Long[MINUTES];
        for (int j = 0; j < MINUTES; j++) {
            long x = first + j;
            int i = (int) Math.floorMod(x, MINUTES);
            q[j] = stamp[i] == x && sampled[i] ? queueSize[i] : null;
        }
        return new Series(first, out, q);
    }

    /**
     * The delivery latency below which {@code fraction} (0.5, 0.9, 0.99) of the recipients delivered in
     * the last {@code minutes} minutes fall, as the upper bound of its bucket; null when none was
     * delivered. A latency above the last bound (5 days) reads as the last bound.
     */
    synchronized Duration percentile(Instant now, int minutes, double fraction) {
        long[] sum = new long[BOUNDS_MS.length + 1];
        long m = minute(now);
        long n = 0;
        for (long x = m - minutes + 1; x <= m; x++) {
            int i = (int) Math.floorMod(x, MINUTES);
            if (stamp[i] == x) {
                for (int b = 0; b < sum.length; b++) {
                    sum[b] += latency[i][b];
                    n += latency[i][b];
                }
            }
        }
        if (n == 0) {
            return null;
        }
        long rank = (long) Math.ceil(fraction * n);
        long seen = 0;
        for (int b = 0; b < sum.length; b++) {
            seen += sum[b];
            if (seen >= rank) {
                return Duration.ofMillis(BOUNDS_MS[Math.min(b, BOUNDS_MS.length - 1)]);
            }
        }
        return Duration.ofMillis(BOUNDS_MS[BOUNDS_MS.length - 1]);
    }

    /** Marks the format of {@link #encode}: "MFC" and its version, 1. */
    private static final int MAGIC = 0x4D464331;

    /**
     * The minutes of the 24 hours up to {@code now} that hold anything, compactly: per minute its
     * number, the counts, the queue size (-1: not sampled) and the latency buckets that are not zero.
     */
    synchronized byte[] encode(Instant now) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        try {
            long last = minute(now);
            List<Integer> kept = new ArrayList<>();
            for (int i = 0; i < MINUTES; i++) {
                if (stamp[i] > last - MINUTES && stamp[i] <= last && !empty(i)) {
                    kept.add(i);
                }
            }
            out.writeInt(MAGIC);
            out.writeInt(kept.size());
            for (int i : kept) {
                out.writeLong(stamp[i]);
                for (long[] c : counts) {
                    out.writeLong(c[i]);
                }
                out.writeLong(sampled[i] ? queueSize[i] : -1);
                int nonZero = 0;
                for (long n : latency[i]) {
                    nonZero += n == 0 ? 0 : 1;
                }
                out.writeByte(nonZero);
                for (int b = 0; b < latency[i].length; b++) {
                    if (latency[i][b] != 0) {
                        out.writeByte(b);
                        out.writeLong(latency[i][b]);
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    private boolean empty(int i) {
        for (long[] c : counts) {
            if (c[i] != 0) {
                return false;
            }
        }
        for (long n : latency[i]) {
            if (n != 0) {
                return false;
            }
        }
        return !sampled[i];
    }

    /**
     * Adds what {@link #encode} wrote to these (empty) counters, keeping the minutes of the 24 hours
     * up to {@code now}; IllegalArgumentException when {@code data} is not such an encoding.
     */
    synchronized void decode(byte[] data, Instant now) {
        java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(data));
        long last = minute(now);
        try {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not the console's counters (no MFC1 mark)");
            }
            int n = in.readInt();
            if (n < 0 || n > MINUTES) {
                throw new IllegalArgumentException(n + " minutes, more than a day");
            }
            record Minute(long m, long[] c, long q, long[] lat) {
            }
            List<Minute> read = new ArrayList<>(n); // all read before any is added: a damaged file adds nothing
            for (int k = 0; k < n; k++) {
                long m = in.readLong();
                long[] c = new long[counts.length];
                for (int j = 0; j < c.length; j++) {
                    c[j] = in.readLong();
                }
                long q = in.readLong();
                long[] lat = new long[BOUNDS_MS.length + 1];
                int nonZero = in.readUnsignedByte();
                for (int j = 0; j < nonZero; j++) {
                    int b = in.readUnsignedByte();
                    if (b >= lat.length) {
                        throw new IllegalArgumentException("latency bucket " + b + " out of range");
                    }
                    lat[b] = in.readLong();
                }
                read.add(new Minute(m, c, q, lat));
            }
            for (Minute r : read) {
                if (r.m() > last - MINUTES && r.m() <= last) { // older than a day, or ahead of the clock: dropped
                    int i = slot(r.m());
                    for (int j = 0; j < r.c().length; j++) {
                        counts[j][i] += r.c()[j];
                    }
                    if (r.q() >= 0) {
                        queueSize[i] = r.q();
                        sampled[i] = true;
                    }
                    for (int b = 0; b < r.lat().length; b++) {
                        latency[i][b] += r.lat()[b];
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cut short (" + e + ")");
        }
    }
}
