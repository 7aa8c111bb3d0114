package org.mailferry.submission;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Failed AUTH attempts per client, so that guessing passwords is slow: the n-th failure from a
 * client in a row is answered after {@code delay × 2^(n-1)}, at most {@link #MAX_FACTOR} times the
 * delay (1 s, 2 s, 4 s ... 32 s with the default 1 s). A client is its address, or its /64 for
 * IPv6 (one host usually holds a whole /64). Reconnecting does not help: the count lives here, not
 * in the session. A success, or an hour without failures, forgets the client. (Postfix sleeps
 * smtpd_error_sleep_time after each error and counts AUTH rates in anvil.)
 */
public final class AuthFailures {
    /** Waits; a test records the waits instead of sleeping. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public static final Sleeper SLEEP = d -> Thread.sleep(d);
    static final int MAX_FACTOR = 32;
    static final Duration FORGET_AFTER = Duration.ofHours(1);
    /** Clients remembered at most; the longest quiet are forgotten first. */
    private static final int MAX_CLIENTS = 10_000;

    private record Count(int failures, Instant last) {
    }

    private record Client(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Client c && Arrays.equals(bytes, c.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    private final Duration delay;
    private final InstantSource clock;
    private final Sleeper sleeper;
    /** Access order: the eldest entry is the one quiet the longest. */
    private final LinkedHashMap<Client, Count> counts = new LinkedHashMap<>(64, 0.75f, true);

    public AuthFailures(Duration delay, InstantSource clock, Sleeper sleeper) {
        this.delay = delay;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /** Records a failure and returns how long the reply to it waits. */
    public synchronized Failure failed(InetAddress address) {
        Instant now = clock.instant();
        Client c = key(address);
        Count before = counts.get(c);
        int n = before == null || before.last().plus(FORGET_AFTER).isBefore(now) ? 1 : before.failures() + 1;
        counts.put(c, new Count(n, now));
        forgetOld(now);
        long factor = 1L << Math.min(n - 1, Integer.numberOfTrailingZeros(MAX_FACTOR));
        return new Failure(n, delay.multipliedBy(factor));
    }

    /** The n-th failure in a row from its client, and the wait before its reply. */
    public record Failure(int count, Duration delay) {
    }

    public synchronized void succeeded(InetAddress address) {
        counts.remove(key(address));
    }

    /** Sleeps through a failure's wait (interrupted: the session is being closed anyway). */
    public void pause(Failure f) {
        if (f.delay().isZero()) {
            return;
        }
        try {
            sleeper.sleep(f.delay());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void forgetOld(Instant now) {
        Iterator<Map.Entry<Client, Count>> it = counts.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Client, Count> e = it.next();
            if (counts.size() > MAX_CLIENTS || e.getValue().last().plus(FORGET_AFTER).isBefore(now)) {
                it.remove();
            } else {
                break; // access order: the rest were seen more recently
            }
        }
    }

    private static Client key(InetAddress a) {
        byte[] b = a.getAddress();
        return new Client(a instanceof Inet6Address ? Arrays.copyOf(b, 8) : b);
    }
}
