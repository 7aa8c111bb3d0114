package org.mailferry.delivery;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When to try again: {@code min * 2^(attempts-1)}, capped at {@code max}, then shortened by up to
 * 20% at random so that messages deferred together do not come back together.
 */
public record RetrySchedule(Duration min, Duration max, RandomGenerator random) {

    public Duration delayAfter(int attempts) {
        long minMs = min.toMillis();
        long maxMs = max.toMillis();
        int shift = Math.min(Math.max(attempts - 1, 0), 30);
        long ms = minMs > (maxMs >> shift) ? maxMs : Math.min(maxMs, minMs << shift);
        double jitter = 0.8 + 0.2 * random.nextDouble();
        return Duration.ofMillis(Math.max(minMs == 0 ? 0 : 1, Math.round(ms * jitter)));
    }
}
