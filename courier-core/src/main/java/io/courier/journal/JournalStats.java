package io.courier.journal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one {@link SegmentLog}, for metrics: the writer thread's fsyncs and their time. */
public final class JournalStats {
    private final LongAdder fsyncs = new LongAdder();
    private final LongAdder fsyncNanos = new LongAdder();
    private final AtomicLong maxFsyncNanos = new AtomicLong();

    void fsync(long nanos) {
        fsyncs.increment();
        fsyncNanos.add(nanos);
        maxFsyncNanos.accumulateAndGet(nanos, Math::max);
    }

    /** How many fsyncs the writer made (group commits, segment seals, periodic fsyncs). */
    public long fsyncs() {
        return fsyncs.sum();
    }

    /** Their total time, in nanoseconds. */
    public long fsyncNanos() {
        return fsyncNanos.sum();
    }

    /** The longest one, in nanoseconds. */
    public long maxFsyncNanos() {
        return maxFsyncNanos.get();
    }
}
