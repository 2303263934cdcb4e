package io.courier.server;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
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
 *
 * <p>Every socket has one, so an idle lane is small: its count and its queue are fields of its own (a linked queue for
 * many producers and the one drainer), not an {@code AtomicInteger} and a {@code ConcurrentLinkedQueue} with its
 * sentinel node (64 bytes more per socket).
 */
final class HandlerLane implements Executor {
    private static final Logger log = LoggerFactory.getLogger(HandlerLane.class);
    private static final VarHandle SIZE;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SIZE = lookup.findVarHandle(HandlerLane.class, "size", int.class);
            TAIL = lookup.findVarHandle(HandlerLane.class, "tail", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Executor executor;
    private final int maxQueued;
    // tasks counted: queued or running; the drainer trusts the count and waits for a counted task to appear
    private volatile int size;
    // the queue: producers swap themselves in at the tail; the one drainer takes from the head
    private volatile Node head; // null while the queue is empty or its first task is not linked yet
    private volatile Node tail; // null when empty

    private static final class Node {
        final Runnable task;
        volatile Node next;

        Node(Runnable task) {
            this.task = task;
        }
    }

    HandlerLane(Executor executor, int maxQueued) {
        this.executor = executor;
        this.maxQueued = maxQueued;
    }

    /**
     * Queues a client-driven task; false if the lane already holds {@code maxQueued} tasks. Started from an event loop,
     * the lane waits for the loop's next pass of reads ({@link TurnStarts#startAfterNextReads}).
     */
    boolean offer(Runnable task) {
        if (size >= maxQueued) {
            return false;
        }
        if (add(task)) {
            TurnStarts.startAfterNextReads(executor, this::drain);
        }
        return true;
    }

    /**
     * Takes the lane for one task the caller will pass to {@link #runClaimed} or {@link #queueClaimed}, if the lane is
     * idle (nothing queued, nothing running); false otherwise. Until then every other caller finds the lane busy and
     * queues behind that task.
     */
    boolean claim() {
        return SIZE.compareAndSet(this, 0, 1);
    }

    /** Runs the claimed lane's task on the calling thread; what was queued meanwhile then runs on the executor. */
    void runClaimed(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            log.error("handler failed", t);
        }
        if ((int) SIZE.getAndAdd(this, -1) - 1 != 0) {
            TurnStarts.start(executor, this::drain);
        }
    }

    /** Queues the claimed lane's task after all: it runs on the executor, first. */
    void queueClaimed(Runnable task) {
        link(task);
        TurnStarts.start(executor, this::drain);
    }

    /** Whether nothing is queued or running (a snapshot). */
    boolean idle() {
        return size == 0;
    }

    @Override
    public void execute(Runnable task) {
        if (add(task)) {
            TurnStarts.start(executor, this::drain);
        }
    }

    /** Counts and appends a task; true if the lane was idle, so its drain is to be started. */
    private boolean add(Runnable task) {
        // count first, then publish: the drainer trusts the count and waits for a counted task to appear
        int before = (int) SIZE.getAndAdd(this, 1);
        link(task);
        return before == 0;
    }

    private void drain() {
        do {
            Runnable task = take();
            try {
                task.run();
            } catch (Throwable t) {
                log.error("handler failed", t);
            }
        } while ((int) SIZE.getAndAdd(this, -1) - 1 != 0);
    }

    /** Appends a task already counted; any thread. */
    private void link(Runnable task) {
        Node n = new Node(task);
        Node prev = (Node) TAIL.getAndSet(this, n);
        if (prev == null) {
            head = n; // the queue was empty: the drainer finds it here
        } else {
            prev.next = n;
        }
    }

    /** Takes the first task, waiting for a counted one to be linked; only the lane's one drainer calls it. */
    private Runnable take() {
        Node first;
        while ((first = head) == null) {
            Thread.onSpinWait();
        }
        Node next = first.next;
        if (next == null) {
            head = null;
            if (!TAIL.compareAndSet(this, first, null)) {
                // a producer swapped itself in after first and links it any moment
                while ((next = first.next) == null) {
                    Thread.onSpinWait();
                }
                head = next;
            }
        } else {
            head = next;
        }
        return first.task;
    }
}
