package io.courier.server;

import io.courier.durable.ChannelStats;
import io.courier.durable.MessageStore;
import io.courier.durable.StoreException;
import io.courier.durable.StoredMessage;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A store that answers the way a network store does: every call that returns a future runs on the wrapped store
 * later, on one of its own threads, after a random delay; calls of one call site (one channel's appends, one
 * channel's reads, one client's subscription calls, one subscription's commits) run and complete in call order, calls
 * of different call sites in any order. Every {@code readEvery}-th read fails (as a connection drop would).
 *
 * <p>It also records every wait for one of its futures that is not complete yet on a thread other than the test's:
 * a lane or an event loop that blocks on the store.
 */
final class AsyncMessageStore implements MessageStore {
    private static final int MAX_DELAY_MICROS = 2_000;

    private final MessageStore delegate;
    private final int failEveryNthRead;
    private final Thread testThread = Thread.currentThread();
    private final ExecutorService network = Executors.newFixedThreadPool(
            4, Thread.ofPlatform().name("async-store-", 0).daemon().factory());
    private final Map<String, CompletableFuture<?>> tails = new ConcurrentHashMap<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger failedReads = new AtomicInteger();
    private final List<String> blockingWaits = new CopyOnWriteArrayList<>();
    private volatile CompletableFuture<Void> readGate;
    private final AtomicInteger heldReads = new AtomicInteger();

    /** @param failEveryNthRead 0 for none */
    AsyncMessageStore(MessageStore delegate, int failEveryNthRead) {
        this.delegate = delegate;
        this.failEveryNthRead = failEveryNthRead;
    }

    /** Where a thread other than the test's waited for a future of this store before it completed. */
    List<String> blockingWaits() {
        return blockingWaits;
    }

    int failedReads() {
        return failedReads.get();
    }

    /**
     * From now on, a read takes its answer from the wrapped store at once (when it is made) but completes only after
     * {@link #releaseReads}: the reply of a network store that comes late.
     */
    void holdReads() {
        readGate = new CompletableFuture<>();
    }

    /** Reads held since {@link #holdReads}. */
    int heldReads() {
        return heldReads.get();
    }

    /** Completes the held reads (on the store's threads) and stops holding new ones. */
    void releaseReads() {
        CompletableFuture<Void> gate = readGate;
        readGate = null;
        gate.complete(null);
    }

    /** Runs {@code call} on the wrapped store after the earlier calls of {@code site} and a random delay. */
    private <T> CompletableFuture<T> later(String site, Supplier<CompletableFuture<T>> call) {
        NoWaitFuture<T> answer = new NoWaitFuture<>();
        tails.compute(site, (k, tail) -> {
            CompletableFuture<?> before = tail == null ? CompletableFuture.completedFuture(null) : tail;
            long delay = ThreadLocalRandom.current().nextLong(MAX_DELAY_MICROS);
            return before.handleAsync(
                            (v, e) -> null, CompletableFuture.delayedExecutor(delay, TimeUnit.MICROSECONDS, network))
                    .thenCompose(ignored -> {
                        CompletableFuture<T> done;
                        try {
                            done = call.get();
                        } catch (RuntimeException e) {
                            done = CompletableFuture.failedFuture(e);
                        }
                        return done.handle((v, e) -> complete(answer, v, e));
                    });
        });
        return answer;
    }

    private static <T> Void complete(CompletableFuture<T> answer, T value, Throwable error) {
        if (error == null) {
            answer.complete(value);
        } else {
            answer.completeExceptionally(
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
        }
        return null;
    }

    @Override
    public CompletableFuture<StoredMessage> append(String channel, byte[] payload) {
        return later("append " + channel, () -> delegate.append(channel, payload));
    }

    @Override
    public CompletableFuture<List<StoredMessage>> readAfter(String channel, long afterSeq, int max) {
        CompletableFuture<Void> gate = readGate;
        if (gate != null) {
            CompletableFuture<List<StoredMessage>> answer = delegate.readAfter(channel, afterSeq, max);
            NoWaitFuture<List<StoredMessage>> late = new NoWaitFuture<>();
            gate.thenRunAsync(() -> answer.whenComplete((v, e) -> complete(late, v, e)), network);
            heldReads.incrementAndGet();
            return late;
        }
        boolean fail = failEveryNthRead > 0 && reads.incrementAndGet() % failEveryNthRead == 0;
        return later("read " + channel, () -> {
            if (fail) {
                failedReads.incrementAndGet();
                return CompletableFuture.failedFuture(new StoreException("connection reset (a test failure)"));
            }
            return delegate.readAfter(channel, afterSeq, max);
        });
    }

    @Override
    public CompletableFuture<Long> lastSeq(String channel) {
        return later("read " + channel, () -> delegate.lastSeq(channel));
    }

    @Override
    public CompletableFuture<Optional<ChannelStats>> stats(String channel) {
        return later("read " + channel, () -> delegate.stats(channel));
    }

    @Override
    public List<ChannelStats> channels() {
        return delegate.channels();
    }

    @Override
    public CompletableFuture<Long> subscribe(String clientId, String channel) {
        return later("client " + clientId, () -> delegate.subscribe(clientId, channel));
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String clientId, String channel) {
        return later("client " + clientId, () -> delegate.unsubscribe(clientId, channel));
    }

    @Override
    public CompletableFuture<Map<String, Long>> subscriptions(String clientId) {
        return later("client " + clientId, () -> delegate.subscriptions(clientId));
    }

    @Override
    public CompletableFuture<Set<String>> subscribers(String channel) {
        return later("read " + channel, () -> delegate.subscribers(channel));
    }

    @Override
    public CompletableFuture<Void> commit(String clientId, String channel, long seq) {
        return later("commit " + clientId + " " + channel, () -> delegate.commit(clientId, channel, seq));
    }

    @Override
    public void maintain(long nowMillis) {
        delegate.maintain(nowMillis);
    }

    @Override
    public void close() {
        network.shutdownNow();
        delegate.close();
    }

    /** A future (and every future derived from it) that records a wait before it completes. */
    private final class NoWaitFuture<T> extends CompletableFuture<T> {
        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new NoWaitFuture<>();
        }

        @Override
        public T join() {
            checkWait("join");
            return super.join();
        }

        @Override
        public T get() throws InterruptedException, ExecutionException {
            checkWait("get");
            return super.get();
        }

        @Override
        public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            checkWait("get");
            return super.get(timeout, unit);
        }

        private void checkWait(String how) {
            if (!isDone() && Thread.currentThread() != testThread) {
                blockingWaits.add(how + " on " + Thread.currentThread());
            }
        }
    }
}
