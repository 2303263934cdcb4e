package io.courier.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The keyed events one socket received recently, each with its first reply once known: what {@link Deduplicator}
 * checks retries against.
 *
 * <p>Bounds: a key is forgotten {@code windowNanos} after its event arrived, and past {@code maxKeys} keys the oldest
 * is forgotten first. Keys are kept in arrival order, so both bounds evict from the head. Expired keys go when the
 * next event is claimed and, for a socket that has gone quiet, when a sweep runs (scheduled through {@link Sweeper}
 * while keys are held); a window that empties drops its table. At most {@link #MAX_WAITERS} duplicates wait for one
 * pending reply.
 *
 * <p>Thread-safe: claims come from handler lanes (a recovered socket shares its predecessor's window), replies from
 * any thread, sweeps from the timer. Reply callbacks run outside the locks.
 */
final class DedupWindow {
    /** Duplicates that may wait for one pending reply; past it the longest waiting is dropped (its client times out). */
    static final int MAX_WAITERS = 16;

    /** What {@link #claim} returns for a duplicate. */
    static final Entry DUPLICATE = new Entry(0);

    /** Schedules {@code sweep} to run after {@code delayNanos}, on a thread that runs no event loop. */
    @FunctionalInterface
    interface Sweeper {
        void after(long delayNanos, Runnable sweep);
    }

    private final long windowNanos;
    private final int maxKeys;
    private final LongSupplier nanoClock;
    private final Sweeper sweeper;
    private LinkedHashMap<Object, Entry> keys; // guarded by this; null while empty
    private boolean sweepScheduled; // guarded by this

    DedupWindow(long windowNanos, int maxKeys, LongSupplier nanoClock, Sweeper sweeper) {
        this.windowNanos = windowNanos;
        this.maxKeys = maxKeys;
        this.nanoClock = nanoClock;
        this.sweeper = sweeper;
    }

    /**
     * Claims an event under its keys (either may be null, not both). Returns a new {@link Entry} when no key is known:
     * the caller runs the handlers and reports the first reply to it. Returns {@link #DUPLICATE} when a key is known:
     * {@code duplicateReply}, if not null, then gets the first reply, at once if it is known, else when it comes.
     */
    Entry claim(Object appKey, Object ackKey, Consumer<ArrayNode> duplicateReply) {
        Entry known;
        Entry created = null;
        boolean scheduleSweep = false;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            evictExpired(now);
            known = find(appKey);
            if (known == null) {
                known = find(ackKey);
            }
            if (known == null) {
                Entry entry = created = new Entry(now);
                if (keys == null) {
                    keys = new LinkedHashMap<>();
                }
                if (appKey != null) {
                    keys.put(appKey, entry);
                }
                if (ackKey != null) {
                    keys.put(ackKey, entry);
                }
                Iterator<Entry> oldest = keys.values().iterator();
                for (int n = keys.size(); n > maxKeys; n--) {
                    oldest.next();
                    oldest.remove();
                }
                if (!sweepScheduled) {
                    sweepScheduled = scheduleSweep = true;
                }
            }
        }
        if (created != null) {
            if (scheduleSweep) {
                sweeper.after(windowNanos, this::sweep);
            }
            return created;
        }
        if (duplicateReply != null) {
            known.await(duplicateReply);
        }
        return DUPLICATE;
    }

    /** Keys held now (for tests and diagnostics). */
    synchronized int size() {
        return keys == null ? 0 : keys.size();
    }

    /** Forgets every key, e.g. when the socket is gone for good; replies still reach duplicates already waiting. */
    synchronized void clear() {
        keys = null;
    }

    /** Forgets expired keys; reschedules itself while keys remain. Runs on the sweeper's thread. */
    void sweep() {
        long delay;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            evictExpired(now);
            if (keys == null) {
                sweepScheduled = false;
                return;
            }
            delay = Math.max(1, keys.values().iterator().next().arrived + windowNanos - now);
        }
        sweeper.after(delay, this::sweep);
    }

    private Entry find(Object key) {
        return key == null || keys == null ? null : keys.get(key);
    }

    private void evictExpired(long now) {
        if (keys == null) {
            return;
        }
        Iterator<Entry> it = keys.values().iterator();
        while (it.hasNext() && now - it.next().arrived >= windowNanos) {
            it.remove();
        }
        if (keys.isEmpty()) {
            keys = null; // a map that once held maxKeys keeps its table; drop it
        }
    }

    /** One keyed event: when it arrived, and its first reply or the duplicates waiting for it. */
    static final class Entry {
        private final long arrived;
        private boolean replied; // guarded by this
        private ArrayNode reply; // guarded by this
        private ArrayDeque<Consumer<ArrayNode>> waiting; // guarded by this; null while none wait

        private Entry(long arrived) {
            this.arrived = arrived;
        }

        /** Records the first reply and hands it to the duplicates waiting for it; later calls do nothing. */
        void replied(ArrayNode data) {
            ArrayDeque<Consumer<ArrayNode>> waiters;
            synchronized (this) {
                if (replied) {
                    return;
                }
                replied = true;
                reply = data;
                waiters = waiting;
                waiting = null;
            }
            if (waiters != null) {
                for (Consumer<ArrayNode> w : waiters) {
                    w.accept(data);
                }
            }
        }

        private void await(Consumer<ArrayNode> duplicateReply) {
            ArrayNode known;
            synchronized (this) {
                if (!replied) {
                    if (waiting == null) {
                        waiting = new ArrayDeque<>(2);
                    } else if (waiting.size() == MAX_WAITERS) {
                        waiting.pollFirst();
                    }
                    waiting.addLast(duplicateReply);
                    return;
                }
                known = reply;
            }
            duplicateReply.accept(known);
        }
    }

    @Override
    public String toString() {
        return "DedupWindow[" + size() + " keys]";
    }

    /** An ack id as a key: scoped to the socket object that received it, as clients may reuse ids on a new connection. */
    record AckKey(Object receiver, long ackId) {}
}
