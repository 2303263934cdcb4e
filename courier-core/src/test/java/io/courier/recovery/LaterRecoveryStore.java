package io.courier.recovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A store that answers later, as a network store does: each call is made on the caller's thread (so offsets follow
 * the order of the calls, the SPI's contract), and its stage completes on one of several other threads after a
 * random delay of up to a millisecond, so stages complete out of call order.
 */
public final class LaterRecoveryStore implements RecoveryStore {
    private final RecoveryStore inner;
    private final ScheduledExecutorService answers = Executors.newScheduledThreadPool(3, r -> {
        Thread t = new Thread(r, "later-store");
        t.setDaemon(true);
        return t;
    });

    public LaterRecoveryStore(RecoveryStore inner) {
        this.inner = inner;
    }

    private <T> CompletionStage<T> later(CompletionStage<T> answer) {
        CompletableFuture<T> out = new CompletableFuture<>();
        long micros = ThreadLocalRandom.current().nextLong(1000);
        answer.whenComplete((v, e) -> answers.schedule(
                () -> {
                    if (e != null) {
                        out.completeExceptionally(e);
                    } else {
                        out.complete(v);
                    }
                },
                micros,
                TimeUnit.MICROSECONDS));
        return out;
    }

    @Override
    public CompletionStage<LoggedPacket> append(
            String namespace, Set<String> rooms, Set<String> except, ArrayNode data) {
        return later(inner.append(namespace, rooms, except, data));
    }

    @Override
    public CompletionStage<Void> save(SavedSession session) {
        return later(inner.save(session));
    }

    @Override
    public CompletionStage<Optional<Restored>> restore(String pid, String offset) {
        return later(inner.restore(pid, offset));
    }

    @Override
    public CompletionStage<Optional<SavedSession>> restorable(String pid, String offset) {
        return later(inner.restorable(pid, offset));
    }

    @Override
    public CompletionStage<Void> expire() {
        return later(inner.expire());
    }

    @Override
    public CompletionStage<Optional<SavedSession>> session(String pid) {
        return later(inner.session(pid));
    }

    @Override
    public void close() {
        answers.shutdownNow();
        inner.close();
    }
}
