package io.courier.netty;

/**
 * Netty settings whose defaults Courier changes, as system properties, unless the application set them. Netty reads
 * them once, when the class that uses them initializes: {@link #apply} runs from the static initializers of
 * {@code Courier} and {@link CourierHttpServer}, so it takes effect unless the JVM used that part of Netty before.
 *
 * <ul>
 *   <li>{@code io.netty.recycler.maxCapacityPerThread=0}: no object recycling. Netty reuses the entry of each write in
 *       a channel's outbound buffer through its {@code Recycler}; an event loop with hundreds of connections gives
 *       back more entries than its thread's local stash holds, and each of those takes the pool's shared queue and a
 *       {@code Thread.getState()} check of the owner. Allocating the entry instead is cheaper: the durable fan-out
 *       benchmark's server CPU per delivery went from 0.70-0.78 to 0.62 µs (plain) and from 1.12-1.32 to 1.10 µs
 *       (durable), garbage collection included (BENCHMARKS.md, "What each change bought").
 * </ul>
 */
public final class NettyDefaults {
    static final String RECYCLER_CAPACITY = "io.netty.recycler.maxCapacityPerThread";

    static {
        if (System.getProperty(RECYCLER_CAPACITY) == null) {
            System.setProperty(RECYCLER_CAPACITY, "0");
        }
    }

    private NettyDefaults() {}

    /** Sets the properties (once; the class's initialization does it). */
    public static void apply() {
        // the static initializer did the work
    }
}
