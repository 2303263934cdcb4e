package io.courier.server;

import io.courier.adapter.AckCallback;
import io.netty.util.collection.LongObjectHashMap;
import java.util.function.Predicate;

/**
 * The ack waits registered on a socket's event loop (durable deliveries), in the order they were registered: the order
 * their packets left in and, from a client that answers as it receives, the order the acks come back in. The ack for
 * the oldest wait takes it from the front of two arrays that are read in order; a hash map would read a random slot of
 * its arrays per ack, slots that the maps of 1,000 connections keep out of the cache (BENCHMARKS.md).
 *
 * <p>The ids in the ring increase from front to back (the durable lanes register a channel's deliveries in ascending
 * order). An ack that is not for the front is found by binary search and leaves a hole, dropped when the front gets
 * there or when the ring is full of them ({@link #grow}). A registration whose id is not above the newest in the ring
 * goes to a hash map instead (deliveries of two channels on different lanes may interleave), so that every lookup costs
 * O(log n) at worst, whatever order a client answers in. Touched on the socket's loop only.
 */
final class LoopAckQueue {
    private long[] ids = new long[8];
    private AckCallback[] waits = new AckCallback[8];
    /** The front's slot; never a hole while {@link #span} is positive. */
    private int head;
    /** Slots in use from {@link #head} on, holes included. */
    private int span;
    /** Waits in the ring, holes excluded. */
    private int inRing;
    /** Waits registered out of order, by {@link #scatter}ed id; created on the first. */
    private LongObjectHashMap<AckCallback> unordered;

    /**
     * Registers {@code callback} for {@code ackId}; false if it replaced a wait for the same id (as a map's put would:
     * the count of waits did not grow).
     */
    boolean add(long ackId, AckCallback callback) {
        int mask = ids.length - 1;
        if (span > 0 && ackId <= ids[(head + span - 1) & mask]) {
            int i = find(ackId, mask);
            if (i >= 0) {
                waits[i] = callback;
                return false;
            }
            if (unordered == null) {
                unordered = new LongObjectHashMap<>();
            }
            return unordered.put(scatter(ackId), callback) == null;
        }
        if (span == ids.length) {
            grow();
            mask = ids.length - 1;
        }
        int i = (head + span) & mask;
        ids[i] = ackId;
        waits[i] = callback;
        span++;
        inRing++;
        return true;
    }

    /** The wait for {@code ackId}, no longer waiting; null if there is none. */
    AckCallback take(long ackId) {
        if (span > 0) {
            int mask = ids.length - 1;
            if (ids[head] == ackId) {
                AckCallback cb = waits[head];
                waits[head] = null;
                inRing--;
                skipHoles(mask);
                return cb;
            }
            int i = find(ackId, mask);
            if (i >= 0) {
                AckCallback cb = waits[i];
                waits[i] = null; // a hole, dropped when the front gets here
                inRing--;
                return cb;
            }
        }
        return unordered == null ? null : unordered.remove(scatter(ackId));
    }

    /**
     * Drops the waits registered before the one for {@code ackId} that {@code covered} accepts: the deliveries that a
     * cumulative ack for {@code ackId} acknowledged along with its own (taken already). Waits registered after it are
     * kept, in the ring (above {@code ackId}) and in the map alike ({@code covered} tells them apart there). Returns
     * how many were dropped; costs a walk of the ring up to {@code ackId}, and of the map if there is one.
     */
    int dropCovered(long ackId, Predicate<AckCallback> covered) {
        int dropped = 0;
        int mask = ids.length - 1;
        for (int k = 0; k < span; k++) {
            int i = (head + k) & mask;
            if (ids[i] >= ackId) {
                break;
            }
            AckCallback cb = waits[i];
            if (cb != null && covered.test(cb)) {
                waits[i] = null;
                inRing--;
                dropped++;
            }
        }
        skipHoles(mask);
        if (unordered != null && !unordered.isEmpty()) {
            int before = unordered.size();
            unordered.values().removeIf(covered);
            dropped += before - unordered.size();
        }
        return dropped;
    }

    /** The slot of the wait for {@code ackId} in the ring, by binary search (the ids ascend); -1 if none. */
    private int find(long ackId, int mask) {
        int lo = 0;
        int hi = span - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int i = (head + mid) & mask;
            long id = ids[i];
            if (id < ackId) {
                lo = mid + 1;
            } else if (id > ackId) {
                hi = mid - 1;
            } else {
                return waits[i] == null ? -1 : i; // a hole: answered already
            }
        }
        return -1;
    }

    /** How many waits there are. */
    int size() {
        return inRing + (unordered == null ? 0 : unordered.size());
    }

    /** Moves the front past the holes it reached (and past the slot just emptied there). */
    private void skipHoles(int mask) {
        while (span > 0 && waits[head] == null) {
            head = (head + 1) & mask;
            span--;
        }
    }

    /**
     * Makes room in a full ring: twice the size, or, when at least half of it is holes (acks out of order behind a
     * front that still waits, as a channel that is not acknowledged ahead of one that is), the same size without the
     * holes: the ring holds at most about twice the waits, however long the front waits.
     */
    private void grow() {
        int n = ids.length;
        int size = inRing <= n / 2 ? n : n * 2;
        long[] newIds = new long[size];
        AckCallback[] newWaits = new AckCallback[size];
        int kept = 0;
        for (int k = 0; k < span; k++) {
            int i = (head + k) & (n - 1);
            if (waits[i] != null) {
                newIds[kept] = ids[i];
                newWaits[kept++] = waits[i];
            }
        }
        ids = newIds;
        waits = newWaits;
        head = 0;
        span = kept;
    }

    /** The ring's size (for tests). */
    int capacity() {
        return ids.length;
    }

    /**
     * {@code ackId} times an odd constant (the golden ratio's, as in Fibonacci hashing): a bijection on longs, so keys
     * stay distinct, that spreads neighbouring ids over the low bits of Netty's map, which places a key at its low bits.
     * Unscattered, the ids of deliveries in flight, close together, would fill one run of neighbouring slots, which
     * every removal walks to close its gap: an in-order removal cost 124 ns with 100 in flight and 8.2 µs with 10,000,
     * scattered 22 and 38 ns (BENCHMARKS.md).
     */
    static long scatter(long ackId) {
        return ackId * 0x9E3779B97F4A7C15L;
    }
}
