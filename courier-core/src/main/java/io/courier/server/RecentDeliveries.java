package io.courier.server;

import io.courier.adapter.OutboundPacket;

/**
 * A channel's newest encoded deliveries on one durable lane, oldest first, in a ring of {@value #RECENT_MAX}, for the
 * pumps of that lane that catch up; and the seq of the newest message fanned out on the lane, kept or not (a pump
 * goes live only if no fan-out went past what it sent). Touched only on that lane.
 */
final class RecentDeliveries {
    /** Encoded deliveries kept per channel for subscribers catching up (at most, and within the byte budget). */
    static final int RECENT_MAX = 512;

    final Encoded[] ring = new Encoded[RECENT_MAX];
    int head;
    int size;
    /** The seq of the newest message fanned out on this lane, kept or not. */
    long fannedOut;

    /** Drops every entry; returns their bytes. */
    long clear() {
        long bytes = 0;
        for (int i = 0; i < size; i++) {
            bytes += get(i).bytes();
            ring[(head + i) % RECENT_MAX] = null;
        }
        head = 0;
        size = 0;
        return bytes;
    }

    Encoded get(int i) {
        return ring[(head + i) % RECENT_MAX];
    }

    /** Appends; returns the entry that made room, or null. */
    Encoded add(Encoded e) {
        Encoded evicted = null;
        if (size == RECENT_MAX) {
            evicted = ring[head];
            head = (head + 1) % RECENT_MAX;
            size--;
        }
        ring[(head + size) % RECENT_MAX] = e;
        size++;
        return evicted;
    }

    /** The index of the first entry with a seq above {@code seq} (seqs ascend, possibly with holes). */
    int indexAfter(long seq) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (get(mid).seq() <= seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    record Encoded(long seq, OutboundPacket packet, int bytes) {}
}
