package io.courier;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;

/**
 * The default handler executor: a new virtual thread per task, all named {@code courier-handler}, refusing tasks once
 * shut down. Unlike {@code Executors.newThreadPerTaskExecutor} it keeps no set of its running threads (a map entry
 * added and removed per task, and a wrapper object: every event's hop paid for them), since nothing here waits for
 * handlers to end.
 */
final class VirtualThreadExecutor implements Executor {
    // one name for all: a numbered name costs a StringBuilder and a String per task
    private final ThreadFactory threads =
            Thread.ofVirtual().name("courier-handler").factory();
    private volatile boolean shutdown;

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("the handler executor is shut down (Courier closed)");
        }
        threads.newThread(task).start();
    }

    /** Refuses every task from now on; those already started run to their end. */
    void shutdown() {
        shutdown = true;
    }
}
