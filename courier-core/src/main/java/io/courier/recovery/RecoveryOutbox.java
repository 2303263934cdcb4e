package io.courier.recovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order of connection state recovery: logged packets are fanned out, and sessions restored, in the order their
 * {@link RecoveryStore} calls were made, which the store's ordering contract makes offset order. Thread-safe; no
 * method blocks or waits for the store.
 *
 * <p>Each {@link #append} or {@link #restore} takes a turn: under the outbox's lock it calls the store and queues the
 * stage it returns. Turns then run one at a time, in queue order, outside the lock: the thread that finds the head
 * turn complete and nobody draining runs it and the turns behind it that are complete too; a turn whose stage is still
 * pending is resumed by its completion, on the {@code resume} executor. With the embedded stores every stage is
 * complete at once, so the caller fans out its own packet (and any that queued behind a drainer) on its own thread.
 *
 * <p>A restore's turn comes after the fan-out of every packet appended before it and before the fan-out of any packet
 * appended after it: the restored socket gets the packets it missed up to its turn from the store, rejoins its rooms
 * in its turn, and gets every later packet live, none twice and none lost.
 *
 * <p>Event loops: a fan-out made on an event loop writes to that loop's connections at once, while one made on any
 * other thread queues a task on each loop. So a thread that is an event loop with tasks queued (as {@code
 * callerMustHandOff} tells) does not run a turn itself: those tasks may be the writes of earlier turns, or the replay
 * of a restore whose turn another thread ran, and a turn run there would overtake them on the wire. It hands the turn,
 * and the drain, to the {@code resume} executor, whose fan-outs queue behind them.
 *
 * <p>Bound: at most {@code bound} turns wait (they pile up only while the store is slow to answer). Beyond it
 * {@link #append} and {@link #restore} refuse the turn and return false: nothing is logged or sent, and the caller
 * says so (an emit fails; a CONNECT that wanted its session back connects as a new socket).
 *
 * <p>A store that fails an append: the event is still fanned out in its turn, without an offset (delivered live, not
 * restorable; a client whose last offset is then unknown connects as a new socket, Socket.IO's fallback). A store that
 * fails a restore: the session is not restored. Both log one warning per 10 seconds at most.
 */
public final class RecoveryOutbox {
    private static final Logger log = LoggerFactory.getLogger(RecoveryOutbox.class);
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final RecoveryStore store;
    private final int bound;
    private final Executor resume;
    private final BooleanSupplier callerMustHandOff;
    private final ArrayDeque<Turn> turns = new ArrayDeque<>(); // guarded by this
    private boolean draining; // guarded by this: a thread is running turns
    private long lastWarning = System.nanoTime() - WARN_EVERY_NANOS; // guarded by this

    /**
     * @param bound how many turns may wait at most
     * @param resume where turns go on when a stage the store returned pending completes
     */
    public RecoveryOutbox(RecoveryStore store, int bound, Executor resume) {
        this(store, bound, resume, () -> false);
    }

    /**
     * @param bound how many turns may wait at most
     * @param resume where turns go on when a stage the store returned pending completes, or when the calling thread
     *     must hand them off; it must not run them on the calling thread
     * @param callerMustHandOff whether the calling thread must not run turns itself: it is an event loop with tasks
     *     queued, which the writes of a turn run there would overtake (see the class comment)
     */
    public RecoveryOutbox(RecoveryStore store, int bound, Executor resume, BooleanSupplier callerMustHandOff) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound : " + bound + " (expected: > 0)");
        }
        this.store = store;
        this.bound = bound;
        this.resume = resume;
        this.callerMustHandOff = callerMustHandOff;
    }

    /** The store behind the outbox. */
    public RecoveryStore store() {
        return store;
    }

    /**
     * Logs an event and, in its turn, calls {@code fanOut} with the array to send: {@code data} with the packet's
     * offset appended (or {@code data} itself if the store failed the append). Any thread.
     *
     * @return false if {@code bound} turns are waiting: the event was neither logged nor sent
     */
    public boolean append(
            String namespace, Set<String> rooms, Set<String> except, ArrayNode data, Consumer<ArrayNode> fanOut) {
        synchronized (this) {
            if (turns.size() >= bound) {
                return false;
            }
            turns.addLast(new Append(future(() -> store.append(namespace, rooms, except, data)), data, fanOut));
        }
        drain();
        return true;
    }

    /**
     * Restores the session of {@code pid} from {@code offset} in its turn: {@code onTurn} gets what the store restored
     * (empty if nothing, or if the store failed), after the fan-out of every packet appended before this call and
     * before the fan-out of any packet appended after it returns. Any thread; {@code onTurn} runs on the thread that
     * drains, and must hand loop-confined work to its loop.
     *
     * @return false if {@code bound} turns are waiting: nothing was asked and {@code onTurn} is not called
     */
    public boolean restore(String pid, String offset, Consumer<Optional<RecoveryStore.Restored>> onTurn) {
        synchronized (this) {
            if (turns.size() >= bound) {
                return false;
            }
            turns.addLast(new Restore(future(() -> store.restore(pid, offset)), onTurn));
        }
        drain();
        return true;
    }

    /**
     * Runs {@code send} after the fan-out of every packet appended before this call (at once if no turn waits and this
     * thread need not hand off, see the class comment). For
     * what a socket sends unlogged after it emitted: an ack that a handler sends after {@code io.to(room).emit(...)}
     * then leaves only once that event is in the store, so what its client does next (an emit to another node of a
     * cluster, whose event that node logs) comes after it in the log too. Any thread; {@code send} runs on the
     * thread that drains. Past {@code bound} waiting turns it runs at once, out of order rather than lost.
     */
    public void after(Runnable send) {
        synchronized (this) {
            if (turns.size() < bound && (draining || !turns.isEmpty() || callerMustHandOff.getAsBoolean())) {
                turns.addLast(new Unlogged(send));
                send = null;
            }
        }
        if (send != null) {
            send.run();
        } else {
            drain();
        }
    }

    /** Turns waiting or running; for tests and diagnostics. */
    public synchronized int pending() {
        return turns.size() + (draining ? 1 : 0);
    }

    /** Runs the complete turns at the head, one thread at a time; never under the lock. */
    private void drain() {
        while (true) {
            Turn turn;
            boolean ready;
            synchronized (this) {
                turn = turns.peekFirst();
                if (draining || turn == null) {
                    return;
                }
                ready = turn.stage.isDone();
                if (ready) {
                    turns.pollFirst();
                    draining = true;
                } else if (turn.watched) {
                    return;
                } else {
                    turn.watched = true;
                }
            }
            if (!ready) {
                // resumed by the stage's completion; if it completed meanwhile, this runs at once
                turn.stage.whenCompleteAsync((v, e) -> drain(), resume);
                return;
            }
            // asked only now that this thread drains: no other turn can queue writes on its loop until it stops
            if (callerMustHandOff.getAsBoolean() && handedOff(turn)) {
                return;
            }
            runDrawn(turn);
        }
    }

    /**
     * Runs {@code turn}, drawn by this thread (which is draining), and its turns behind it on the {@code resume}
     * executor; false if the executor refused (it is shutting down), and the caller runs it.
     */
    private boolean handedOff(Turn turn) {
        try {
            resume.execute(() -> {
                runDrawn(turn);
                drain();
            });
            return true;
        } catch (RejectedExecutionException stopping) {
            return false;
        }
    }

    /** Runs a turn drawn from the queue by the thread that is draining, and then stops draining. */
    private void runDrawn(Turn turn) {
        try {
            turn.run();
        } catch (RuntimeException e) {
            log.warn("recovery outbox: a turn failed", e);
        } finally {
            synchronized (this) {
                draining = false;
            }
        }
    }

    private void warn(String what, Throwable error) {
        synchronized (this) {
            long now = System.nanoTime();
            if (now - lastWarning < WARN_EVERY_NANOS) {
                return;
            }
            lastWarning = now;
        }
        log.warn("recovery store: {} failed: {}", what, error.toString());
    }

    /** Why a done stage did not succeed; without throwing, as a failing store can fail many turns in a row. */
    private static Throwable failure(CompletableFuture<?> stage) {
        if (stage.state() == Future.State.CANCELLED) {
            return new CancellationException("the store cancelled it");
        }
        Throwable e = stage.exceptionNow();
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static <T> CompletableFuture<T> future(Supplier<CompletionStage<T>> call) {
        CompletionStage<T> stage;
        try {
            stage = call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (stage instanceof CompletableFuture<T> f) {
            return f;
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        stage.whenComplete((v, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(v);
            }
        });
        return f;
    }

    private abstract static class Turn {
        final CompletableFuture<?> stage;
        boolean watched; // guarded by the outbox: a completion callback will resume the drain

        Turn(CompletableFuture<?> stage) {
            this.stage = stage;
        }

        abstract void run();
    }

    private final class Append extends Turn {
        private final ArrayNode data;
        private final Consumer<ArrayNode> fanOut;

        Append(CompletableFuture<LoggedPacket> stage, ArrayNode data, Consumer<ArrayNode> fanOut) {
            super(stage);
            this.data = data;
            this.fanOut = fanOut;
        }

        @Override
        void run() {
            if (stage.state() == Future.State.SUCCESS && stage.resultNow() instanceof LoggedPacket packet) {
                fanOut.accept(packet.data());
                return;
            }
            warn(
                    "an append",
                    stage.state() == Future.State.SUCCESS ? new NullPointerException("no packet") : failure(stage));
            fanOut.accept(data);
        }
    }

    private static final class Unlogged extends Turn {
        private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
        private final Runnable send;

        Unlogged(Runnable send) {
            super(DONE);
            this.send = send;
        }

        @Override
        void run() {
            send.run();
        }
    }

    private final class Restore extends Turn {
        private final Consumer<Optional<RecoveryStore.Restored>> onTurn;

        Restore(
                CompletableFuture<Optional<RecoveryStore.Restored>> stage,
                Consumer<Optional<RecoveryStore.Restored>> onTurn) {
            super(stage);
            this.onTurn = onTurn;
        }

        @Override
        @SuppressWarnings("unchecked")
        void run() {
            Optional<RecoveryStore.Restored> restored = Optional.empty();
            if (stage.state() != Future.State.SUCCESS) {
                warn("a restore", failure(stage));
            } else if (stage.resultNow() != null) {
                restored = (Optional<RecoveryStore.Restored>) stage.resultNow();
            }
            onTurn.accept(restored);
        }
    }
}
