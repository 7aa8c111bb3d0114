package org.mailferry.submission;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection slots on the submit socket: at most {@code perUser} at a time for one local user and
 * {@code total} for all users but root (who keeps its slots when others hold the rest), so one
 * user's flood of idle or slow connections costs only that user's own submissions. A refused
 * connection is logged, at most once per user every {@link #LOG_EVERY} (with how many were
 * refused since), so that a flood cannot fill the log either.
 */
final class SubmitSlots {
    private static final Logger log = LoggerFactory.getLogger("mailferry.submit");
    static final Duration LOG_EVERY = Duration.ofSeconds(10);

    private final int total;
    private final int perUser;
    private final LongSupplier nanos;
    private final Map<String, Integer> held = new HashMap<>();
    private final Map<String, long[]> refused = new HashMap<>(); // user -> {count since the last line, time of it}
    private int others;

    SubmitSlots(int total, int perUser, LongSupplier nanos) {
        this.total = total;
        this.perUser = perUser;
        this.nanos = nanos;
    }

    /**
     * A connection just accepted: its user (the kernel's SO_PEERCRED, never the request) when a slot
     * is free for it; else null, once "temp WHY" was said without waiting for the client (it may
     * be writing its request) and the connection closed.
     */
    String admit(SocketChannel ch) {
        String user = peer(ch);
        String busy = take(user);
        if (busy == null) {
            return user;
        }
        try (ch) {
            ch.configureBlocking(false);
            ch.write(ByteBuffer.wrap(("temp " + busy + "; try again later\n").getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException ignored) {
            // the client went away: nothing to tell
        }
        return null;
    }

    private static String peer(SocketChannel ch) {
        try {
            UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return p.user().getName();
        } catch (IOException | UnsupportedOperationException e) {
            return "unknown";
        }
    }

    /** Takes a slot for {@code user}; null when granted, else why not (for the temporary error). */
    synchronized String take(String user) {
        int mine = held.getOrDefault(user, 0);
        String why = null;
        if (mine >= perUser) {
            why = "too many connections from local user " + user + " (sendmail.max_connections_per_user "
                    + perUser + ")";
        } else if (!user.equals("root") && others >= total) {
            why = "too many connections (sendmail.max_connections " + total + ")";
        }
        if (why != null) {
            refusedOne(user, why);
            return why;
        }
        held.put(user, mine + 1);
        if (!user.equals("root")) {
            others++;
        }
        return null;
    }

    synchronized void give(String user) {
        int mine = held.getOrDefault(user, 0);
        if (mine <= 1) {
            held.remove(user);
        } else {
            held.put(user, mine - 1);
        }
        if (!user.equals("root") && others > 0) {
            others--;
        }
    }

    /** Slots held now: all users, then the given one's. */
    synchronized int held() {
        return held.values().stream().mapToInt(Integer::intValue).sum();
    }

    private void refusedOne(String user, String why) {
        long now = nanos.getAsLong();
        long[] r = refused.computeIfAbsent(user, u -> new long[] {0, now - LOG_EVERY.toNanos()});
        r[0]++;
        if (now - r[1] >= LOG_EVERY.toNanos()) {
            log.warn("sendmail submission refused (temporary): {}; {} refused from {} in the last {} s", why, r[0],
                    user, LOG_EVERY.toSeconds());
            r[0] = 0;
            r[1] = now;
        }
        if (refused.size() > 10_000) {
            refused.clear(); // bounded: users are few, but never let this map grow
        }
    }
}
