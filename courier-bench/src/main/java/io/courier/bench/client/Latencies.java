package io.courier.bench.client;

import java.util.Arrays;

/** Latencies in nanoseconds, appended on the event loop; bounded (samples beyond the bound are counted, not kept). */
public final class Latencies {
    private static final int MAX = 4_000_000;
    private long[] values = new long[1024];
    private int size;
    private long dropped;

    public void add(long nanos) {
        if (size == values.length) {
            if (size == MAX) {
                dropped++;
                return;
            }
            values = Arrays.copyOf(values, Math.min(MAX, size * 2));
        }
        values[size++] = nanos;
    }

    public int size() {
        return size;
    }

    /** Appends every sample of {@code other} (within the bound; what it dropped is counted as dropped here too). */
    public void addAll(Latencies other) {
        for (int i = 0; i < other.size; i++) {
            add(other.values[i]);
        }
        dropped += other.dropped;
    }

    public void clear() {
        size = 0;
        dropped = 0;
    }

    /** The given percentiles (0-100) in milliseconds, NaN when empty. */
    public double[] percentilesMs(double... ps) {
        double[] out = new double[ps.length];
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        for (int k = 0; k < ps.length; k++) {
            int i = (int) Math.min(size - 1, Math.max(0, Math.ceil(ps[k] / 100 * size) - 1));
            out[k] = size == 0 ? Double.NaN : sorted[i] / 1e6;
        }
        return out;
    }
}
