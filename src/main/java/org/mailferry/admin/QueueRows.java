package org.mailferry.admin;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.mailferry.delivery.Sites;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.Recipient;
import org.mailferry.queue.Spool;

/**
 * The console's queue table: one small row per queued message, read from the spool into memory, so
 * that paging, filtering and sorting 100,000 messages happen on the server and the browser gets one
 * page. A row holds what the table shows, never a body or headers. The rows are read again when an
 * event or an action changed the queue (at most once per {@link #QUIET}, so a busy relay does not
 * make every page request read the whole spool), and at least every {@link #FRESH} (changes no
 * event tells of: a hold through the API).
 */
final class QueueRows {
    /** How long one reading of the spool answers queries. */
    static final Duration FRESH = Duration.ofSeconds(2);
    /** How a route quota's wait reads on the envelope (delivery/QueueRunner.throttle). */
    static final String THROTTLED = "throttled until ";
    /** The least time between two readings of the spool. */
    static final Duration QUIET = Duration.ofMillis(250);

    /** One queued message, as the table shows it. */
    record Row(String id, Instant arrival, String sender, List<String> recipients, long size, String state,
               String lastReply, String relay, int attempts, Instant nextAttempt) {
    }

    private final Spool spool;
    private final Clock clock;
    private List<Row> rows;
    private Instant readAt;
    private volatile boolean changed;

    QueueRows(Spool spool, Clock clock) {
        this.spool = spool;
        this.clock = clock;
    }

    /** The rows, read again when older than {@link #FRESH}, or {@link #QUIET} after a change. */
    synchronized List<Row> rows() throws IOException {
        Instant now = clock.instant();
        if (rows == null || readAt.plus(FRESH).isBefore(now) || changed && !readAt.plus(QUIET).isAfter(now)) {
            changed = false;
            List<Row> read = new ArrayList<>();
            spool.forEach(e -> read.add(row(e)));
            rows = List.copyOf(read);
            readAt = now;
        }
        return rows;
    }

    /** The next query reads the spool again (an action changed it). */
    synchronized void stale() {
        rows = null;
    }

    /** The queue changed (an event): the next query after {@link #QUIET} reads the spool again. */
    void changed() {
        changed = true;
    }

    static Row row(Envelope e) {
        List<String> rcpts = new ArrayList<>();
        String lastReply = "";
        boolean suspended = false;
        for (Recipient r : e.recipients()) {
            if (r.state() == Recipient.State.PENDING) {
                rcpts.add(r.address().value());
                if (!r.lastReply().isEmpty()) {
                    lastReply = r.lastReply();
                    suspended |= r.lastReply().contains(Sites.SUSPENDED) || r.lastReply().startsWith(THROTTLED);
                }
            }
        }
        String relay = "";
        List<Attempt> h = e.history();
        for (int i = h.size() - 1; i >= 0 && relay.isEmpty(); i--) {
            relay = relayOf(h.get(i).outcome());
        }
        String state = e.held() ? "held" : e.attempts() == 0 ? "queued" : suspended ? "throttled" : "deferred";
        return new Row(e.id().value(), e.arrival(), e.sender().value(), List.copyOf(rcpts), e.sizeBytes(), state,
                lastReply, relay, e.attempts(), e.nextAttempt());
    }

    /** "smtp.example.com[203.0.113.5]:587" from "deferred via smtp.example.com[203.0.113.5]:587: 450 ...". */
    static String relayOf(String outcome) {
        int via = outcome.indexOf(" via ");
        if (via < 0) {
            return "";
        }
        int end = outcome.indexOf(": ", via + 5);
        return end < 0 ? outcome.substring(via + 5) : outcome.substring(via + 5, end);
    }

    /** A query's answer: how many messages are queued, how many matched, and the requested page of them. */
    record Page(int total, int matched, int offset, List<Row> rows) {
    }

    /**
     * The filters and order of one table request; every field already checked ({@link Query#parse}).
     *
     * @param state     "" for any, else queued, deferred, throttled or held
     * @param sender    "" for any, else a case-insensitive part of the envelope sender
     * @param recipient "" for any, else a case-insensitive part of a pending recipient
     * @param relay     "" for any, else a case-insensitive part of the smarthost of the last attempt
     * @param minAge    null, else only messages at least this old
     * @param maxAge    null, else only messages at most this old
     */
    record Query(String state, String sender, String recipient, String relay, Duration minAge, Duration maxAge,
                 String sort, boolean descending, int offset, int limit) {
        static final List<String> STATES = List.of("queued", "deferred", "throttled", "held");
        static final List<String> SORTS = List.of("arrival", "sender", "size", "attempts", "next_attempt", "id");
        static final int MAX_LIMIT = 500;

        /** From the request's query parameters; IllegalArgumentException with the fix for a bad one. */
        static Query parse(java.util.Map<String, String> p) {
            for (String k : p.keySet()) {
                if (!List.of("state", "sender", "recipient", "relay", "min_age", "max_age", "sort", "order", "offset",
                        "limit").contains(k)) {
                    throw new IllegalArgumentException("unknown parameter '" + k + "'; use state, sender, recipient, "
                            + "relay, min_age, max_age, sort, order, offset, limit");
                }
            }
            String state = p.getOrDefault("state", "");
            if (!state.isEmpty() && !STATES.contains(state)) {
                throw new IllegalArgumentException("state '" + state + "': use one of " + String.join(", ", STATES));
            }
            String sort = p.getOrDefault("sort", "arrival");
            if (!SORTS.contains(sort)) {
                throw new IllegalArgumentException("sort '" + sort + "': use one of " + String.join(", ", SORTS));
            }
            String order = p.getOrDefault("order", "asc");
            if (!order.equals("asc") && !order.equals("desc")) {
                throw new IllegalArgumentException("order '" + order + "': use asc or desc");
            }
            return new Query(state, lower(p.get("sender")), lower(p.get("recipient")), lower(p.get("relay")),
                    age(p, "min_age"), age(p, "max_age"), sort, order.equals("desc"),
                    number(p, "offset", 0, Integer.MAX_VALUE, 0), number(p, "limit", 1, MAX_LIMIT, 50));
        }

        private static String lower(String s) {
            return s == null ? "" : s.strip().toLowerCase(Locale.ROOT);
        }

        private static Duration age(java.util.Map<String, String> p, String name) {
            String v = p.get(name);
            if (v == null || v.isEmpty()) {
                return null;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,6})([smhd])").matcher(v);
            if (!m.matches()) {
                throw new IllegalArgumentException(name + " '" + v + "': a number and a unit, s, m, h or d (\"30m\")");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }

        private static int number(java.util.Map<String, String> p, String name, int min, int max, int dflt) {
            String v = p.get(name);
            if (v == null || v.isEmpty()) {
                return dflt;
            }
            try {
                int n = Integer.parseInt(v);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw new IllegalArgumentException(name + " '" + v + "': a whole number from " + min + " to " + max);
        }

        boolean matches(Row r, Instant now) {
            if (!state.isEmpty() && !state.equals(r.state())) {
                return false;
            }
            if (!sender.isEmpty() && !r.sender().toLowerCase(Locale.ROOT).contains(sender)) {
                return false;
            }
            if (!recipient.isEmpty()
                    && r.recipients().stream().noneMatch(a -> a.toLowerCase(Locale.ROOT).contains(recipient))) {
                return false;
            }
            if (!relay.isEmpty() && !r.relay().toLowerCase(Locale.ROOT).contains(relay)) {
                return false;
            }
            Duration age = Duration.between(r.arrival(), now);
            return (minAge == null || age.compareTo(minAge) >= 0) && (maxAge == null || age.compareTo(maxAge) <= 0);
        }

        Comparator<Row> order() {
            Comparator<Row> c = switch (sort) {
                case "sender" -> Comparator.comparing(Row::sender);
                case "size" -> Comparator.comparingLong(Row::size);
                case "attempts" -> Comparator.comparingInt(Row::attempts);
                case "next_attempt" -> Comparator.comparing(Row::nextAttempt);
                case "id" -> Comparator.comparing(Row::id);
                default -> Comparator.comparing(Row::arrival);
            };
            c = c.thenComparing(Row::id); // a stable order between pages
            return descending ? c.reversed() : c;
        }
    }

    /** The rows matching {@code q}, sorted, and the page it asked for. */
    Page page(Query q) throws IOException {
        List<Row> all = rows();
        Instant now = clock.instant();
        List<Row> matched = all.stream().filter(r -> q.matches(r, now)).sorted(q.order()).toList();
        int from = Math.min(q.offset(), matched.size());
        int to = Math.min(matched.size(), from + q.limit());
        return new Page(all.size(), matched.size(), from, matched.subList(from, to));
    }
}
