package io.courier.internal;

import java.util.ArrayList;

/**
 * Wake-ups held back while one thread completes several futures in a row. The journal's writer completes a batch's
 * appends one after the other, and each completion that hands a message to a worker (a durable delivery lane) would
 * wake that worker at once: on a busy core the woken worker can run before the writer completes the next append, take
 * the first message alone and the rest of the batch in a second turn, which is a second write to every subscriber's
 * connection. A thread that completes a batch does it {@link #holding} the wake-ups its completions ask for with
 * {@link #wakeUp}; they run, in the order asked, once the whole batch is complete. Outside {@code holding},
 * {@code wakeUp} runs its task at once. Per thread: a wake-up asked for on another thread is never held.
 */
public final class HeldWakeUps {
    /** Set on a thread once it first holds (a journal's writer): a thread that never does, never gets one. */
    private static final ThreadLocal<HeldWakeUps> HELD = new ThreadLocal<>();

    private final ArrayList<Runnable> tasks = new ArrayList<>();
    private boolean holding;

    private HeldWakeUps() {}

    /**
     * Runs {@code completions}, then the wake-ups they asked for. Nested: the outermost call runs them all. If wake-ups
     * throw, every one still runs, and the first exception is thrown with the others suppressed.
     */
    public static void holding(Runnable completions) {
        HeldWakeUps held = HELD.get();
        if (held == null) {
            held = new HeldWakeUps();
            HELD.set(held);
        } else if (held.holding) {
            completions.run();
            return;
        }
        held.holding = true;
        try {
            completions.run();
        } finally {
            held.holding = false;
            held.release();
        }
    }

    /** Runs {@code wakeUp} now, or if this thread is {@link #holding}, once its completions are done. */
    public static void wakeUp(Runnable wakeUp) {
        HeldWakeUps held = HELD.get();
        if (held != null && held.holding) {
            held.tasks.add(wakeUp);
        } else {
            wakeUp.run();
        }
    }

    private void release() {
        RuntimeException failure = null;
        for (int i = 0; i < tasks.size(); i++) {
            try {
                tasks.get(i).run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        tasks.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
