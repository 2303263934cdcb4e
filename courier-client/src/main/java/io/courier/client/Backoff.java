package io.courier.client;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter for reconnection: attempt n waits {@code min * 2^n}, moved up or down by a random
 * share of at most {@code randomizationFactor}, capped at {@code max}. Not thread-safe (the event loop owns it).
 */
final class Backoff {
    private final long minMillis;
    private final long maxMillis;
    private final double jitter;
    private int attempts;

    Backoff(long minMillis, long maxMillis, double jitter) {
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
        this.jitter = jitter;
    }

    /** The delay before the next attempt; counts the attempt. */
    long nextDelayMillis() {
        double ms = minMillis * Math.pow(2, Math.min(attempts, 30));
        attempts++;
        if (jitter > 0) {
            double rand = ThreadLocalRandom.current().nextDouble();
            double deviation = Math.floor(rand * jitter * ms);
            ms = ThreadLocalRandom.current().nextBoolean() ? ms - deviation : ms + deviation;
        }
        return (long) Math.max(0, Math.min(ms, maxMillis));
    }

    int attempts() {
        return attempts;
    }

    void reset() {
        attempts = 0;
    }
}
