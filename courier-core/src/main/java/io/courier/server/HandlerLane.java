package io.courier.server;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one socket's tasks one at a time, in submission order, on a shared executor (virtual threads by default).
 *
 * <p>Bound: {@link #offer} refuses client-driven tasks once {@code maxQueued} are waiting; the caller decides what
 * that means (the connection is closed with "inbound queue full"). Internal tasks ({@link #execute}) are never refused,
 * so disconnect handling and ack completions always run.
 *
 * <p>{@link #claim} and {@link #runClaimed} run a task on the calling thread (an event loop) when the lane is idle:
 * the task holds the lane while it runs, so it still runs alone and in order, and whatever is queued meanwhile runs
 * on the executor after it.
 */
final class HandlerLane implements Executor {
    private static final Logger log = LoggerFactory.getLogger(HandlerLane.class);

    private final Executor executor;
    private final int maxQueued;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();

    HandlerLane(Executor executor, int maxQueued) {
        this.executor = executor;
        this.maxQueued = maxQueued;
    }

    /** Queues a client-driven task; false if the lane already holds {@code maxQueued} tasks. */
    boolean offer(Runnable task) {
        if (size.get() >= maxQueued) {
            return false;
        }
        execute(task);
        return true;
    }

    /**
     * Takes the lane for one task the caller will pass to {@link #runClaimed} or {@link #queueClaimed}, if the lane is
     * idle (nothing queued, nothing running); false otherwise. Until then every other caller finds the lane busy and
     * queues behind that task.
     */
    boolean claim() {
        return size.compareAndSet(0, 1);
    }

    /** Runs the claimed lane's task on the calling thread; what was queued meanwhile then runs on the executor. */
    void runClaimed(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            log.error("handler failed", t);
        }
        if (size.decrementAndGet() != 0) {
            executor.execute(this::drain);
        }
    }

    /** Queues the claimed lane's task after all: it runs on the executor, first. */
    void queueClaimed(Runnable task) {
        queue.add(task);
        executor.execute(this::drain);
    }

    /** Whether nothing is queued or running (a snapshot). */
    boolean idle() {
        return size.get() == 0;
    }

    @Override
    public void execute(Runnable task) {
        // count first, then publish: the drainer trusts the count and waits for a counted task to appear
        int before = size.getAndIncrement();
        queue.add(task);
        if (before == 0) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        do {
            Runnable task;
            while ((task = queue.poll()) == null) {
                Thread.onSpinWait();
            }
            try {
                task.run();
            } catch (Throwable t) {
                log.error("handler failed", t);
            }
        } while (size.decrementAndGet() != 0);
    }
}
