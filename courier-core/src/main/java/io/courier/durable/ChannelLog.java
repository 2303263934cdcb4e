package io.courier.durable;

import java.util.Arrays;

/**
 * The kept messages of one channel as parallel arrays (seq, storage reference, time, size and, in memory only, the
 * payload): about 28 bytes per message, no object per message. Guarded by its store's lock.
 */
final class ChannelLog {
    final String name;
    /** The newest seq handed out (including appends still in flight). */
    long lastSeq;
    /** Appends handed a seq and not yet completed. */
    int inFlight;
    /** The storage's write-failure count when the appends in flight started (see {@link AbstractMessageStore}). */
    long failuresSeen;
    /** The newest seq that is durable and in this log (or was, before it went). */
    long lastDurableSeq;
    /** The highest seq retention removed before every subscriber had acknowledged it. */
    long expiredThrough;
    /** Recovery only: how many damaged records the scan had passed at this channel's last message. */
    long damagedAtLastMessage;

    private long[] seqs = new long[4];
    private long[] refs = new long[4];
    private long[] times = new long[4];
    private int[] sizes = new int[4];
    private byte[][] payloads; // only for the in-memory store
    private int head;
    private int count;
    private long bytes;

    ChannelLog(String name) {
        this.name = name;
    }

    /**
     * Adds a message; {@code payload} is kept only when not null (the in-memory store). A negative {@code ref} marks
     * lost messages: every seq after the previous entry up to {@code seq}.
     */
    void add(long seq, long ref, long time, int size, byte[] payload) {
        if (head + count == seqs.length) {
            makeRoom();
        }
        int i = head + count;
        seqs[i] = seq;
        refs[i] = ref;
        times[i] = time;
        sizes[i] = size;
        if (payload != null) {
            if (payloads == null) {
                payloads = new byte[seqs.length][];
            }
            payloads[i] = payload;
        }
        count++;
        bytes += size;
        lastSeq = Math.max(lastSeq, seq);
        lastDurableSeq = Math.max(lastDurableSeq, seq);
    }

    /**
     * Marks the seqs after the previous kept message up to {@code seq} lost, in seq order among the kept messages; a
     * no-op if {@code seq} is kept already or was removed by retention.
     */
    void addLost(long seq, long time) {
        if (seq > lastDurableSeq || count == 0 && seq > expiredThrough) {
            add(seq, -1, time, 0, null);
            return;
        }
        int at = indexAfter(seq - 1);
        if (seq <= expiredThrough || at < count && seqs[head + at] == seq) {
            return;
        }
        if (head + count == seqs.length) {
            makeRoom();
        }
        int from = head + at;
        int n = count - at;
        System.arraycopy(seqs, from, seqs, from + 1, n);
        System.arraycopy(refs, from, refs, from + 1, n);
        System.arraycopy(times, from, times, from + 1, n);
        System.arraycopy(sizes, from, sizes, from + 1, n);
        if (payloads != null) {
            System.arraycopy(payloads, from, payloads, from + 1, n);
            payloads[from] = null;
        }
        seqs[from] = seq;
        refs[from] = -1;
        times[from] = time;
        sizes[from] = 0;
        count++;
    }

    private void makeRoom() {
        if (head > 0 && count <= seqs.length / 2) {
            System.arraycopy(seqs, head, seqs, 0, count);
            System.arraycopy(refs, head, refs, 0, count);
            System.arraycopy(times, head, times, 0, count);
            System.arraycopy(sizes, head, sizes, 0, count);
            if (payloads != null) {
                System.arraycopy(payloads, head, payloads, 0, count);
                Arrays.fill(payloads, count, payloads.length, null);
            }
            head = 0;
            return;
        }
        int capacity = seqs.length * 2;
        seqs = Arrays.copyOf(seqs, capacity);
        refs = Arrays.copyOf(refs, capacity);
        times = Arrays.copyOf(times, capacity);
        sizes = Arrays.copyOf(sizes, capacity);
        if (payloads != null) {
            payloads = Arrays.copyOf(payloads, capacity);
        }
    }

    int size() {
        return count;
    }

    long bytes() {
        return bytes;
    }

    long seq(int i) {
        return seqs[head + i];
    }

    long ref(int i) {
        return refs[head + i];
    }

    long time(int i) {
        return times[head + i];
    }

    byte[] payload(int i) {
        return payloads == null ? null : payloads[head + i];
    }

    /** The index of the first kept message with a seq above {@code seq} ({@link #size()} if none). */
    int indexAfter(long seq) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (seqs[head + mid] <= seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Removes the oldest message. */
    void removeFirst() {
        bytes -= sizes[head];
        if (payloads != null) {
            payloads[head] = null;
        }
        head++;
        count--;
        if (count == 0) {
            head = 0;
        }
    }
}
