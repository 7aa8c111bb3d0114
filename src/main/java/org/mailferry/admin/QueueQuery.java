package org.mailferry.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The filters and order of one table request; every field already checked ({@link #parse}).
 *
 * @param state     "" for any, else queued, deferred, throttled or held
 * @param sender    "" for any, else a case-insensitive part of the envelope sender
 * @param recipient "" for any, else a case-insensitive part of a pending recipient
 * @param relay     "" for any, else a case-insensitive part of the smarthost of the last attempt
 * @param minAge    null, else only messages at least this old
 * @param maxAge    null, else only messages at most this old
 */
record QueueQuery(String state, String sender, String recipient, String relay, Duration minAge, Duration maxAge,
                  String sort, boolean descending, int offset, int limit) {
    static final List<String> STATES = List.of("queued", "deferred", "throttled", "held");
    static final List<String> SORTS = List.of("arrival", "sender", "size", "attempts", "next_attempt", "id");
    static final int MAX_LIMIT = 500;

    /** From the request's query parameters; IllegalArgumentException with the fix for a bad one. */
    static QueueQuery parse(java.util.Map<String, String> p) {
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
        return new QueueQuery(state, lower(p.get("sender")), lower(p.get("recipient")), lower(p.get("relay")),
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

    boolean matches(QueueRows.Row r, Instant now) {
        if (!state.isEmpty() && !state.equals(r.state())) {
            return false;
        }
        if (!sender.isEmpty() && !contains(r.sender(), sender) || !relay.isEmpty() && !contains(r.relay(), relay)) {
            return false;
        }
        if (!recipient.isEmpty() && r.recipients().stream().noneMatch(a -> contains(a, recipient))) {
            return false;
        }
        Duration age = Duration.between(r.arrival(), now);
        return (minAge == null || age.compareTo(minAge) >= 0) && (maxAge == null || age.compareTo(maxAge) <= 0);
    }

    /** {@code text} contains {@code lower} (in lower case), ignoring case; no copy of {@code text} made. */
    static boolean contains(String text, String lower) {
        for (int i = 0, last = text.length() - lower.length(); i <= last; i++) {
            if (text.regionMatches(true, i, lower, 0, lower.length())) {
                return true;
            }
        }
        return false;
    }

    /** The ascending order of {@link #sort}; descending is its reverse. */
    Comparator<QueueRows.Row> ascending() {
        Comparator<QueueRows.Row> c = switch (sort) {
            case "sender" -> Comparator.comparing(QueueRows.Row::sender);
            case "size" -> Comparator.comparingLong(QueueRows.Row::size);
            case "attempts" -> Comparator.comparingInt(QueueRows.Row::attempts);
            case "next_attempt" -> Comparator.comparing(QueueRows.Row::nextAttempt);
            case "id" -> Comparator.comparing(QueueRows.Row::id);
            default -> Comparator.comparing(QueueRows.Row::arrival);
        };
        return c.thenComparing(QueueRows.Row::id); // a stable order between pages
    }
}
