package org.mailferry.message;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A queue id: 12 characters of Crockford base32, time-ordered (milliseconds since 2024-01-01 in the
 * first 8 characters, then a 20-bit sequence seeded at random per process), unique across
 * processes in practice and lexicographically sortable by arrival.
 */
public record QueueId(String value) implements Comparable<QueueId> {
    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final long EPOCH_MILLIS = 1_704_067_200_000L; // 2024-01-01T00:00:00Z
    private static final int LENGTH = 12;
    private static final AtomicLong LAST = new AtomicLong();
    private static final long SEQUENCE_MASK = (1L << 20) - 1;
    private static final long SEED = new SecureRandom().nextLong() & SEQUENCE_MASK;

    public QueueId {
        if (!isValid(value)) {
            throw new IllegalArgumentException("not a queue id: " + value);
        }
    }

    public static boolean isValid(String s) {
        if (s == null || s.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (ALPHABET.indexOf(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** A new id for a message arriving at {@code nowMillis}; strictly increasing within a process. */
    public static QueueId next(long nowMillis) {
        long candidate = (Math.max(0, nowMillis - EPOCH_MILLIS) << 20) | SEED;
        long v = LAST.accumulateAndGet(candidate, (last, c) -> Math.max(last + 1, c));
        char[] out = new char[LENGTH];
        for (int i = LENGTH - 1; i >= 0; i--) {
            out[i] = ALPHABET.charAt((int) (v & 31));
            v >>>= 5;
        }
        return new QueueId(new String(out));
    }

    /** When the message with this id arrived, in milliseconds since the epoch (as given to next). */
    public static long arrivalMillis(QueueId id) {
        long v = 0;
        for (int i = 0; i < LENGTH; i++) {
            v = (v << 5) | ALPHABET.indexOf(id.value.charAt(i));
        }
        return (v >>> 20) + EPOCH_MILLIS;
    }

    @Override
    public int compareTo(QueueId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
