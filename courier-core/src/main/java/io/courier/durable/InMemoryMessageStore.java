package io.courier.durable;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Durable-queue semantics without durability: messages, subscriptions and cursors live in the heap and are gone
 * when the process ends. Bounded by {@link Retention} (applied by {@link #maintain}). For tests, and for users who
 * opt out of the disk.
 */
public final class InMemoryMessageStore extends AbstractMessageStore {
    private long nextRef = 1;

    public InMemoryMessageStore(Function<String, Retention> retention) {
        this(retention, StoreLimits.DEFAULT);
    }

    public InMemoryMessageStore(Function<String, Retention> retention, StoreLimits limits) {
        super(retention, limits);
    }

    @Override
    CompletableFuture<Long> persistMessage(String channel, long seq, long time, byte[] payload, long failuresSeen) {
        return CompletableFuture.completedFuture(nextRef++);
    }

    @Override
    long writeFailures() {
        return 0;
    }

    @Override
    CompletableFuture<Void> persistSubscribe(String clientId, String channel, long cursor) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    CompletableFuture<Void> persistUnsubscribe(String clientId, String channel) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    void cursorMoved(String clientId, String channel) {}

    @Override
    List<StoredMessage> load(String channel, long[] seqs, long[] refs, long[] times, byte[][] payloads) {
        List<StoredMessage> out = new ArrayList<>(seqs.length);
        for (int i = 0; i < seqs.length; i++) {
            out.add(new StoredMessage(String.valueOf(refs[i]), channel, seqs[i], times[i], payloads[i]));
        }
        return out;
    }

    @Override
    boolean keepsPayloads() {
        return true;
    }

    @Override
    void afterMaintain() {}

    @Override
    public void close() {
        markClosed();
    }
}
