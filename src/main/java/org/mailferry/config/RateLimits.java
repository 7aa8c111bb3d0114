package org.mailferry.config;

import java.time.Duration;

/**
 * The limits of one route (a smarthost with its login): messages per period, spaced evenly
 * ({@code 30/1m}: one every 2 s), recipients per day, concurrent connections. Zero: no limit.
 *
 * @param messages         messages per {@code period}; 0: no rate limit
 * @param period           the rate's period (relay.message_rate "30/1m": 1m)
 * @param recipientsPerDay recipients per day (from relay.quota_reset_time to the next); 0: none
 * @param connections      simultaneous connections; 0: no more than relay.concurrency
 */
public record RateLimits(int messages, Duration period, long recipientsPerDay, int connections) {
    public static final RateLimits NONE = new RateLimits(0, Duration.ofMinutes(1), 0, 0);

    /** True when nothing is limited: the route is not counted at all. */
    public boolean none() {
        return messages == 0 && recipientsPerDay == 0 && connections == 0;
    }

    /** The even spacing of the rate: period / messages. */
    public Duration interval() {
        return messages == 0 ? Duration.ZERO : period.dividedBy(messages);
    }

    /**
     * Parses a rate: "0" (none), or "N/PERIOD" with a duration ("30/1m", "5/10s", "2000/1h"; a bare
     * "30/m" is read as 30/1m).
     */
    public static RateLimits withRate(String rate, long recipientsPerDay, int connections) {
        String s = rate.strip();
        if (s.equals("0") || s.isEmpty()) {
            return new RateLimits(0, Duration.ofMinutes(1), recipientsPerDay, connections);
        }
        int slash = s.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("'" + rate + "' is not a rate; write messages/period such as "
                    + "\"30/1m\" or \"5/10s\", or \"0\" for none");
        }
        int n;
        try {
            n = Integer.parseInt(s.substring(0, slash).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + rate + "': '" + s.substring(0, slash)
                    + "' is not a whole number of messages; write e.g. \"30/1m\"");
        }
        String p = s.substring(slash + 1).strip();
        Duration period = Units.duration(p.matches("[a-z]+") ? "1" + p : p);
        if (n < 0 || n > 1_000_000 || period.isZero()) {
            throw new IllegalArgumentException("'" + rate + "': the messages must be from 0 to 1000000 and the "
                    + "period longer than 0; write e.g. \"30/1m\"");
        }
        return new RateLimits(n, period, recipientsPerDay, connections);
    }
}
