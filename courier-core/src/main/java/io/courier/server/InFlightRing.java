package io.courier.server;

/**
 * The durable deliveries of one pump in flight to its connection, in the order they were sent (ascending seq): each
 * one's seq, the id its ack will carry, and whether that ack came. An ack is matched by id, first where the last one
 * was found (a client acknowledges in about the order it receives), else by a walk from the oldest: ids are not in
 * order along the ring (a pump catching up encodes its own packets, a live one gets packets encoded earlier for all).
 * The acknowledged prefix leaves with {@link #removeAcked}. Parallel arrays that grow as deliveries go out (at most to
 * the pump's window): no object per delivery. A cumulative ack costs the same whatever the number of deliveries it
 * covers when none of them was acknowledged on its own (a client that only sends cumulative acks): they become the
 * acknowledged prefix at once, without a flag set or read for each. Touched on the pump's lane only.
 */
final class InFlightRing {
    private long[] seqs = new long[8];
    private long[] ackIds = new long[8];
    private boolean[] acked = new boolean[8];
    /** The oldest delivery's slot. */
    private int head;

    private int size;
    /** Deliveries in the ring whose ack has not come. */
    private int unacked;
    /**
     * The deliveries counted from the oldest that a cumulative ack covered: acknowledged whatever their flags say (not
     * set for them), until {@link #removeAcked} takes them out.
     */
    private int ackedPrefix;
    /** Where, counted from the oldest, the last ack was found: the next one is probably right after it. */
    private int hint;

    int size() {
        return size;
    }

    /** A delivery sent after all those in the ring. */
    void add(long seq, long ackId) {
        if (size == seqs.length) {
            grow();
        }
        int i = (head + size) & (seqs.length - 1);
        seqs[i] = seq;
        ackIds[i] = ackId;
        acked[i] = false;
        size++;
        unacked++;
    }

    /** How many deliveries in the ring wait for their ack. */
    int unacked() {
        return unacked;
    }

    /**
     * Marks the delivery whose ack carries {@code ackId} acknowledged, and with {@code cumulative} every one sent before
     * it as well; returns how many of them were not acknowledged yet: 0 also when none in the ring has that id (its ack
     * came already and it left, or it went to an earlier connection: the ring is cleared when the pump moves).
     */
    int ack(long ackId, boolean cumulative) {
        int k = atHint(ackId) ? hint : indexOf(ackId, seqs.length - 1);
        return k < 0 ? 0 : mark(k, cumulative);
    }

    /**
     * {@link #ack} if the delivery after the one the last ack was for carries {@code ackId} (a client acknowledging in
     * order), else -1 without looking further.
     */
    int ackNext(long ackId, boolean cumulative) {
        return atHint(ackId) ? mark(hint, cumulative) : -1;
    }

    private boolean atHint(long ackId) {
        return hint < size && ackIds[(head + hint) & (seqs.length - 1)] == ackId;
    }

    /** Marks the delivery {@code k} from the oldest (and with {@code cumulative} those before it) acknowledged. */
    private int mark(int k, boolean cumulative) {
        hint = k + 1;
        if (k < ackedPrefix) {
            return 0; // a cumulative ack covered it already
        }
        int mask = seqs.length - 1;
        if (!cumulative) {
            int i = (head + k) & mask;
            if (acked[i]) {
                return 0;
            }
            acked[i] = true;
            unacked--;
            return 1;
        }
        int newly;
        if (unacked == size - ackedPrefix) { // no flag set past the prefix: every one up to k is new
            newly = k + 1 - ackedPrefix;
        } else {
            newly = 0;
            for (int j = ackedPrefix; j <= k; j++) {
                if (!acked[(head + j) & mask]) {
                    newly++;
                }
            }
        }
        ackedPrefix = k + 1;
        unacked -= newly;
        return newly;
    }

    /** Whether a delivery in the ring carries {@code ackId}. */
    boolean holds(long ackId) {
        return indexOf(ackId, seqs.length - 1) >= 0;
    }

    private int indexOf(long ackId, int mask) {
        for (int k = 0; k < size; k++) {
            if (ackIds[(head + k) & mask] == ackId) {
                return k;
            }
        }
        return -1;
    }

    /**
     * Removes the acknowledged deliveries at the front and returns the seq of the last one removed: the acknowledged
     * prefix's end, the pump's new cursor; {@code cursor} when the oldest is still unacknowledged.
     */
    long removeAcked(long cursor) {
        int mask = seqs.length - 1;
        int removed = ackedPrefix;
        if (removed > 0) {
            cursor = seqs[(head + removed - 1) & mask];
            head = (head + removed) & mask;
            size -= removed;
            ackedPrefix = 0;
        }
        while (size > 0 && acked[head]) {
            cursor = seqs[head];
            head = (head + 1) & mask;
            size--;
            removed++;
        }
        hint = Math.max(0, hint - removed);
        return cursor;
    }

    /**
     * Forgets every delivery in flight (they go again on the next connection); returns how many of them still waited
     * for their ack.
     */
    int clear() {
        int n = unacked;
        head = 0;
        size = 0;
        unacked = 0;
        ackedPrefix = 0;
        hint = 0;
        return n;
    }

    private void grow() {
        int n = seqs.length;
        long[] newSeqs = new long[n * 2];
        long[] newIds = new long[n * 2];
        boolean[] newAcked = new boolean[n * 2];
        for (int k = 0; k < size; k++) {
            int i = (head + k) & (n - 1);
            newSeqs[k] = seqs[i];
            newIds[k] = ackIds[i];
            newAcked[k] = acked[i];
        }
        seqs = newSeqs;
        ackIds = newIds;
        acked = newAcked;
        head = 0;
    }

    /** The seqs in flight, oldest first (for tests). */
    long[] seqs() {
        long[] out = new long[size];
        for (int k = 0; k < size; k++) {
            out[k] = seqs[(head + k) & (seqs.length - 1)];
        }
        return out;
    }
}
