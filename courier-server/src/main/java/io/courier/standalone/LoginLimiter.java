package io.courier.standalone;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Password guessing limits of the Admin UI login, per client address: {@value #MAX_FAILURES} failures within
 * {@link #WINDOW} block the address for {@link #FIRST_BLOCK}, each further block lasts twice as long as the one
 * before, up to {@link #MAX_BLOCK}; an address that fails nothing for {@link #MAX_BLOCK} starts over. While blocked,
 * every attempt is refused without looking at the credentials.
 *
 * <p>An attempt counts as a failure from the moment it is made ({@link #attempt}), before its credentials are looked
 * at, and a right one is forgiven after ({@link #succeeded}): attempts made at the same time cannot all get past the
 * block while the failures that start it are still being checked, so at most {@value #MAX_FAILURES} are ever looked at.
 *
 * <p>At most {@value #MAX_ADDRESSES} addresses are remembered (the least recently seen is forgotten first), so the
 * memory it takes is bounded whatever the number of addresses trying. Thread-safe.
 */
final class LoginLimiter {
    static final int MAX_FAILURES = 5;
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final Duration FIRST_BLOCK = Duration.ofMinutes(1);
    static final Duration MAX_BLOCK = Duration.ofHours(1);
    static final int MAX_ADDRESSES = 10_000;

    /** What becomes of an attempt. */
    sealed interface Outcome {}

    /** Refused without looking at the credentials: the address is blocked for {@code left} more. */
    record Blocked(Duration left) implements Outcome {}

    /** Its credentials may be looked at; if wrong, the address may try again. */
    record Admitted() implements Outcome {}

    /**
     * Its credentials may be looked at; if wrong, this failure blocks the address for {@code duration}, the one
     * moment worth a log line.
     */
    record BlockStarted(Duration duration, int failures) implements Outcome {}

    private static final class Attempts {
        final ArrayDeque<Long> failures = new ArrayDeque<>(MAX_FAILURES);
        long blockedUntil;
        long nextBlock = FIRST_BLOCK.toNanos();
        long lastFailure;
        boolean failedBefore;
    }

    private final LongSupplier nanos;
    private final Map<String, Attempts> entries = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Attempts> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    LoginLimiter() {
        this(System::nanoTime);
    }

    /** With a clock in nanoseconds, for tests. */
    LoginLimiter(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** How much longer {@code address} is blocked, or {@link Duration#ZERO}. */
    synchronized Duration blocked(String address) {
        Attempts e = entries.get(address);
        if (e == null) {
            return Duration.ZERO;
        }
        long left = e.blockedUntil - nanos.getAsLong();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    /**
     * An attempt by {@code address}, counted as a failure at once: {@link Blocked} while the address is blocked, else
     * {@link Admitted} or {@link BlockStarted}; a right one is then forgiven with {@link #succeeded}.
     */
    synchronized Outcome attempt(String address) {
        Duration left = blocked(address);
        return left.isPositive() ? new Blocked(left) : failed(address);
    }

    private Outcome failed(String address) {
        long now = nanos.getAsLong();
        Attempts e = entries.computeIfAbsent(address, a -> new Attempts());
        long quietSince = e.blockedUntil - e.lastFailure > 0 ? e.blockedUntil : e.lastFailure;
        if (e.failedBefore && now - quietSince > MAX_BLOCK.toNanos()) {
            e.nextBlock = FIRST_BLOCK.toNanos(); // no failure and no block for an hour: forgiven
        }
        e.failedBefore = true;
        e.lastFailure = now;
        while (!e.failures.isEmpty() && now - e.failures.peekFirst() >= WINDOW.toNanos()) {
            e.failures.pollFirst();
        }
        e.failures.addLast(now);
        if (e.failures.size() < MAX_FAILURES) {
            return new Admitted();
        }
        int count = e.failures.size();
        e.failures.clear();
        long block = e.nextBlock;
        e.blockedUntil = now + block;
        e.nextBlock = Math.min(block * 2, MAX_BLOCK.toNanos());
        return new BlockStarted(Duration.ofNanos(block), count);
    }

    /** The number of addresses remembered. */
    synchronized int size() {
        return entries.size();
    }

    /** A successful login: the address's failures are forgotten. */
    synchronized void succeeded(String address) {
        entries.remove(address);
    }
}
