package io.courier.server;

import io.courier.engine.EngineIoSession;
import io.netty.channel.EventLoop;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Items grouped by the event loop that must handle them, in one pass, so that a broadcast queues one task per loop
 * rather than one per recipient: loops are few, so a linear search (the last loop found first), and an array per loop,
 * first sized for {@code expected} items, that doubles as it fills. Built by one thread; once built it is not changed,
 * and the tasks that {@link #forEachOnLoop} queues read its arrays from their loops.
 */
final class ByEventLoop<T> {
    private final int firstCapacity;
    private EventLoop[] loops = new EventLoop[4];
    private Object[][] items = new Object[4][];
    private int[] sizes = new int[4];
    /** Per loop, the header its last item was added under ({@link #add(EventLoop, Object, Object)}). */
    private Object[] headers = new Object[4];

    private int groups;
    private int last;

    /** {@code expected}: how many items a loop's array holds before it first grows. */
    ByEventLoop(int expected) {
        this.firstCapacity = Math.max(1, expected);
    }

    void add(EventLoop loop, T item) {
        append(group(loop), item);
    }

    /**
     * Adds {@code item} under {@code header}: the header goes into the loop's items first unless the loop's last item
     * was added under it already, so that each item comes after its header ({@link #forEachOnLoopTogether(Supplier)}).
     */
    void add(EventLoop loop, Object header, T item) {
        int g = group(loop);
        if (headers[g] != header) {
            headers[g] = header;
            append(g, header);
        }
        append(g, item);
    }

    private int group(EventLoop loop) {
        int g = last;
        if (g >= groups || loops[g] != loop) {
            g = 0;
            while (g < groups && loops[g] != loop) {
                g++;
            }
            if (g == groups) {
                if (groups == loops.length) {
                    loops = Arrays.copyOf(loops, groups * 2);
                    items = Arrays.copyOf(items, groups * 2);
                    sizes = Arrays.copyOf(sizes, groups * 2);
                    headers = Arrays.copyOf(headers, groups * 2);
                }
                loops[g] = loop;
                items[g] = new Object[firstCapacity];
                groups++;
            }
            last = g;
        }
        return g;
    }

    private void append(int g, Object item) {
        Object[] group = items[g];
        int size = sizes[g];
        if (size == group.length) {
            group = Arrays.copyOf(group, size * 2);
            items[g] = group;
        }
        group[size] = item;
        sizes[g] = size + 1;
    }

    /** How many items, over all loops (headers included). */
    int size() {
        int n = 0;
        for (int g = 0; g < groups; g++) {
            n += sizes[g];
        }
        return n;
    }

    /**
     * Runs {@code action} for each item on its loop, one task per loop. With {@code callOnOwnLoop}, the group of the
     * loop this thread is runs at once instead (before this returns): a broadcast from a listener on the event loop then
     * stays in order with that listener's direct emits, which are written at once too. Without it every group waits
     * behind what is already queued on its loop. A loop that is shutting down takes its connections with it, so its
     * items are skipped.
     */
    void forEachOnLoop(boolean callOnOwnLoop, Consumer<? super T> action) {
        forEachOnLoop(callOnOwnLoop, false, () -> action);
    }

    /**
     * Runs {@code action} for each item on its loop, one task per loop queued behind what the loop already has, whose
     * sends are flushed once per connection at the end of the loop's turn ({@link EngineIoSession#sendTogether}): for
     * items that send several packets to the same connections.
     */
    void forEachOnLoopTogether(Consumer<? super T> action) {
        forEachOnLoop(false, true, () -> action);
    }

    /**
     * Like {@link #forEachOnLoopTogether(Consumer)}, with an action of its own for each loop's task, which gets the
     * headers too (each before the items added under it): an action that keeps the last header it saw.
     */
    void forEachOnLoopTogether(Supplier<Consumer<Object>> actionPerLoop) {
        forEachOnLoop(false, true, actionPerLoop);
    }

    @SuppressWarnings("unchecked")
    private void forEachOnLoop(
            boolean callOnOwnLoop, boolean together, Supplier<? extends Consumer<? super T>> actionPerLoop) {
        for (int g = 0; g < groups; g++) {
            Object[] group = items[g];
            int n = sizes[g];
            EventLoop loop = loops[g];
            Consumer<? super T> action = actionPerLoop.get();
            Runnable each = () -> {
                for (int i = 0; i < n; i++) {
                    action.accept((T) group[i]);
                }
            };
            Runnable task = together ? () -> EngineIoSession.sendTogether(loop, each) : each;
            if (callOnOwnLoop && loop.inEventLoop()) {
                task.run();
            } else {
                try {
                    loop.execute(task);
                } catch (RejectedExecutionException stopping) {
                    // the loop is shutting down with its connections
                }
            }
        }
    }
}
