package io.courier.server;

import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands lane drains to their executor once per event-loop turn instead of one by one: a drain started on an event
 * loop waits until the loop has read what its turn of I/O brought, then the turn's drains go over together, one task
 * that starts the rest from the executor's own thread. The drain of a client's event ({@link #startAfterNextReads})
 * waits, on Netty's I/O loops, for the loop's next pass of reads as well.
 *
 * <p>Why: with handlers on virtual threads, each start from an event loop wakes a carrier thread, which on a busy
 * core preempts the loop at once; the loop then wakes again for the handler's reply. Started per turn, one wake-up
 * serves every event the turn read. Each drain still runs on its own (a virtual thread each by default), so a handler
 * that blocks holds up no other socket. Off an event loop a drain starts at once.
 *
 * <p>Why one more pass of reads for clients' events (a task added after the loop's iteration queues the hand-over, so
 * it runs after the next iteration's I/O): the loop writes the replies of one hand-over's handlers, then reads what
 * came in meanwhile, and the clients answered last have not answered yet. Handed over at once, their next events
 * missed the hand-over and waited a whole round of handlers, writes and reads on a shared core: in the echo benchmark
 * (100 clients, server on one core) a tenth of the requests took twice the others' time (p85 1.35 ms, p90 1.94 ms;
 * the inline listener's 1.45 and 1.49). After one more pass, which costs a non-blocking {@code epoll_wait} per
 * hand-over, they join it (p85 1.21, p90 1.25 against the inline listener's 1.18 and 1.30). Only clients' events: the
 * loop's own hand-overs (the durable acks it gathered, handed to their lanes from a task) gain nothing from waiting,
 * and when they waited too, the durable fan-out with an ack per delivery had 0.61-0.62x of plain's throughput at 1.70x
 * its server CPU per delivery, against 0.63-0.77x at 1.36-1.62x (clients' events alone held: 0.68-0.75x at 1.33-1.56x).
 */
final class TurnStarts {
    private static final FastThreadLocal<Turn> TURN = turnPerLoop();
    private static final FastThreadLocal<Turn> AFTER_NEXT_READS = turnPerLoop();

    private static final Logger log = LoggerFactory.getLogger(TurnStarts.class);

    private TurnStarts() {}

    private static FastThreadLocal<Turn> turnPerLoop() {
        return new FastThreadLocal<>() {
            @Override
            protected Turn initialValue() {
                return new Turn();
            }
        };
    }

    /** Starts {@code drain} on {@code executor}: at the end of this event loop's turn, or now off a loop. */
    static void start(Executor executor, Runnable drain) {
        start(executor, drain, false);
    }

    /**
     * Starts the drain of a client's event on {@code executor}: on Netty's I/O loops after the loop's next pass of
     * reads, elsewhere as {@link #start}.
     */
    static void startAfterNextReads(Executor executor, Runnable drain) {
        start(executor, drain, true);
    }

    private static void start(Executor executor, Runnable drain, boolean afterNextReads) {
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        if (loop == null || !loop.inEventLoop()) {
            executor.execute(drain);
            return;
        }
        boolean deferred = afterNextReads && loop instanceof SingleThreadIoEventLoop;
        Turn turn = deferred ? AFTER_NEXT_READS.get() : TURN.get();
        turn.executors.add(executor);
        turn.drains.add(drain);
        if (!turn.scheduled) {
            turn.scheduled = true;
            if (deferred) {
                turn.afterThisIteration((SingleThreadIoEventLoop) loop);
            } else {
                turn.queueOn(loop);
            }
        }
    }

    /** The drains started during one turn of one event loop; only that loop touches it. */
    private static final class Turn implements Runnable {
        final List<Executor> executors = new ArrayList<>();
        final List<Runnable> drains = new ArrayList<>();
        boolean scheduled;
        private EventExecutor loop; // the one loop whose thread this turn belongs to, once it queued after an iteration
        // queues this turn once the loop's iteration ended: it runs after the next iteration's I/O
        private final Runnable queue = () -> queueOn(loop);

        void afterThisIteration(SingleThreadIoEventLoop io) {
            loop = io;
            try {
                io.executeAfterEventLoopIteration(queue);
            } catch (RejectedExecutionException e) {
                run(); // the loop is shutting down: start them now
            }
        }

        void queueOn(EventExecutor on) {
            try {
                on.execute(this);
            } catch (RejectedExecutionException e) {
                run(); // the loop is shutting down: start them now
            }
        }

        @Override
        public void run() {
            scheduled = false;
            int n = drains.size();
            Executor[] executorsOfTurn = executors.toArray(new Executor[0]);
            Runnable[] all = drains.toArray(new Runnable[0]);
            executors.clear();
            drains.clear();
            if (n > 1 && sameExecutor(executorsOfTurn)) {
                Executor executor = executorsOfTurn[0];
                execute(executor, () -> {
                    for (Runnable r : all) {
                        execute(executor, r);
                    }
                });
                return;
            }
            for (int i = 0; i < n; i++) {
                execute(executorsOfTurn[i], all[i]);
            }
        }

        private static void execute(Executor executor, Runnable task) {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                log.warn("the handler executor refused a task (shut down?): {}", e.toString());
            }
        }

        private static boolean sameExecutor(Executor[] executors) {
            for (Executor e : executors) {
                if (e != executors[0]) {
                    return false;
                }
            }
            return true;
        }
    }
}
