package io.courier.internal;

import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed set of counters, added to on every packet and read by a metrics scrape. A thread of Netty's (an event loop's,
 * where nearly every count happens) adds to a cell of its own, which only it writes: no atomic instruction and no
 * cache line shared with another core per count, where a {@link LongAdder} needs a compare-and-swap each time. Other
 * threads add to a {@code LongAdder}. A read sums the adder and every cell; a cell outlives its thread, so no count is
 * lost, and a read may miss the latest additions of a running thread, as a {@code LongAdder}'s may.
 *
 * <p>A thread's cell is found through a {@link FastThreadLocal} of this instance (an array slot on Netty's threads); a
 * thread that served it keeps its cell, a few hundred bytes, until the thread ends. Each instance takes one of Netty's
 * thread-local indexes for the life of the JVM: one per server, not one per connection.
 */
public final class StripedCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs before and after a cell's counters: cells of two threads never share a cache line. */
    private static final int PAD = 8;

    private final int size;
    private final LongAdder[] shared;
    private final Queue<long[]> cells = new ConcurrentLinkedQueue<>();
    private final FastThreadLocal<long[]> cell = new FastThreadLocal<>() {
        @Override
        protected long[] initialValue() {
            long[] c = new long[PAD + size + PAD];
            cells.add(c);
            return c;
        }
    };

    /** {@code size} counters, numbered from 0. */
    public StripedCounters(int size) {
        this.size = size;
        this.shared = new LongAdder[size];
        for (int i = 0; i < size; i++) {
            shared[i] = new LongAdder();
        }
    }

    /** Adds {@code n} to counter {@code counter}. */
    public void add(int counter, long n) {
        if (Thread.currentThread() instanceof FastThreadLocalThread) {
            long[] c = cell.get();
            int i = PAD + counter;
            LONGS.setOpaque(c, i, c[i] + n); // only this thread writes it: a plain read, and a write readers see whole
        } else {
            shared[counter].add(n);
        }
    }

    /** The sum of counter {@code counter}. */
    public long sum(int counter) {
        long sum = shared[counter].sum();
        int i = PAD + counter;
        for (long[] c : cells) {
            sum += (long) LONGS.getOpaque(c, i);
        }
        return sum;
    }
}
