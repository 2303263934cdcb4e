package io.courier.durable;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The state every store keeps in memory: channels (an index of their kept messages), subscriptions and cursors, and
 * the rules that remove messages. Subclasses decide where messages, subscriptions and cursors are persisted. One lock
 * (this object) guards the state; it is never held during I/O waits.
 *
 * <p>Everything is answered from memory (and, for reads, the payloads from memory or the local disk) on the caller's
 * thread, so every future but those waiting for a write completes before the method returns: the embedded stores
 * cost no thread hop.
 */
abstract class AbstractMessageStore implements MessageStore {
    static final int MAX_NAME_LENGTH = 1024;

    private final Function<String, Retention> retention;
    private final StoreLimits limits;
    final Map<String, ChannelLog> channels = new HashMap<>();
    final Map<String, Map<String, Long>> subscriptions = new HashMap<>();
    final Map<String, Set<String>> subscribers = new HashMap<>();
    private int subscriptionCount;
    private boolean closed;

    AbstractMessageStore(Function<String, Retention> retention, StoreLimits limits) {
        this.retention = retention;
        this.limits = limits;
    }

    // ---- what subclasses provide -------------------------------------------------------------------------------

    /**
     * Persists a message (called under the lock, in seq order); completes with its storage reference. The write must
     * be refused if a write failed after {@code failuresSeen} was read from {@link #writeFailures()}.
     */
    abstract CompletableFuture<Long> persistMessage(
            String channel, long seq, long time, byte[] payload, long failuresSeen);

    /** How many writes of the storage failed so far (see {@link #persistMessage}). */
    abstract long writeFailures();

    abstract CompletableFuture<Void> persistSubscribe(String clientId, String channel, long cursor);

    abstract CompletableFuture<Void> persistUnsubscribe(String clientId, String channel);

    /** A cursor moved (under the lock); persist it eventually. */
    abstract void cursorMoved(String clientId, String channel);

    /** Loads the payloads of messages copied out of a channel log, without the lock. */
    abstract List<StoredMessage> load(String channel, long[] seqs, long[] refs, long[] times, byte[][] payloads);

    /** Whether {@link ChannelLog} keeps payloads (the in-memory store). */
    abstract boolean keepsPayloads();

    /** Housekeeping of the storage after messages were removed (outside the lock). */
    abstract void afterMaintain();

    // ---- MessageStore ------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<StoredMessage> append(String channel, byte[] payload) {
        checkName("channel", channel);
        long now = System.currentTimeMillis();
        boolean keep = keepsPayloads();
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new StoreException("message store is closed"));
            }
            ChannelLog log;
            try {
                log = openChannel(channel);
            } catch (StoreLimitException e) {
                return CompletableFuture.failedFuture(e);
            }
            // Seqs are dense: a run of appends in flight shares the write-failure count read when it started, so a
            // failed write refuses every later append of the run (none is stored after a hole) and the next run
            // numbers on from the newest stored message.
            if (log.inFlight == 0) {
                log.failuresSeen = writeFailures();
            }
            long seq = ++log.lastSeq;
            CompletableFuture<Long> stored;
            try {
                stored = persistMessage(channel, seq, now, payload, log.failuresSeen);
            } catch (RuntimeException e) {
                log.lastSeq--;
                return CompletableFuture.failedFuture(failure("publish to " + channel, e));
            }
            log.inFlight++;
            // attached under the lock: if the write already completed, this runs now, before any later append, so the
            // channel index always grows in seq order (and the returned futures complete in that order)
            return stored.handle((ref, error) -> {
                synchronized (this) {
                    log.inFlight--;
                    if (error != null) {
                        // the appends before this one are stored (futures complete in order), the later ones of its
                        // run are refused: the seq goes back to the next one to store
                        log.lastSeq = log.lastDurableSeq;
                        throw new CompletionException(failure("publish to " + channel, error));
                    }
                    log.add(seq, ref, now, payload.length, keep ? payload : null);
                }
                return new StoredMessage(String.valueOf(ref), channel, seq, now, payload);
            });
        }
    }

    @Override
    public CompletableFuture<List<StoredMessage>> readAfter(String channel, long afterSeq, int max) {
        // answered now, on the caller's thread: the index is in memory, payloads are in memory or on the local disk
        try {
            return CompletableFuture.completedFuture(read(channel, afterSeq, max));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure("read " + channel, e));
        }
    }

    private List<StoredMessage> read(String channel, long afterSeq, int max) {
        long[] seqs;
        long[] refs;
        long[] times;
        byte[][] payloads;
        StoredMessage expired = null;
        synchronized (this) {
            ChannelLog log = channels.get(channel);
            if (log == null || max <= 0) {
                return List.of();
            }
            // read under the same lock as the kept messages: retention running between the two cannot hide a gap
            if (log.expiredThrough > afterSeq) {
                expired = new StoredMessage(null, channel, log.expiredThrough, 0, null);
                max--;
            }
            int from = log.indexAfter(afterSeq);
            int n = Math.min(max, log.size() - from);
            if (n <= 0) {
                return expired == null ? List.of() : List.of(expired);
            }
            seqs = new long[n];
            refs = new long[n];
            times = new long[n];
            payloads = new byte[n][];
            for (int i = 0; i < n; i++) {
                seqs[i] = log.seq(from + i);
                refs[i] = log.ref(from + i);
                times[i] = log.time(from + i);
                payloads[i] = log.payload(from + i);
            }
        }
        List<StoredMessage> kept = load(channel, seqs, refs, times, payloads);
        if (expired == null) {
            return kept;
        }
        List<StoredMessage> out = new ArrayList<>(kept.size() + 1);
        out.add(expired);
        out.addAll(kept);
        return out;
    }

    @Override
    public CompletableFuture<Long> lastSeq(String channel) {
        synchronized (this) {
            ChannelLog log = channels.get(channel);
            return CompletableFuture.completedFuture(log == null ? 0 : log.lastDurableSeq);
        }
    }

    @Override
    public CompletableFuture<Optional<ChannelStats>> stats(String channel) {
        synchronized (this) {
            ChannelLog log = channels.get(channel);
            return CompletableFuture.completedFuture(log == null ? Optional.empty() : Optional.of(stats(log)));
        }
    }

    @Override
    public synchronized List<ChannelStats> channels() {
        List<ChannelStats> out = new ArrayList<>(channels.size());
        for (ChannelLog log : channels.values()) {
            out.add(stats(log));
        }
        return out;
    }

    private ChannelStats stats(ChannelLog log) {
        int n = log.size();
        return new ChannelStats(
                log.name,
                n,
                log.bytes(),
                n == 0 ? 0 : log.seq(0),
                log.lastDurableSeq,
                n == 0 || log.ref(0) < 0 ? null : String.valueOf(log.ref(0)),
                n == 0 || log.ref(n - 1) < 0 ? null : String.valueOf(log.ref(n - 1)),
                subscribers.getOrDefault(log.name, Set.of()).size(),
                log.expiredThrough);
    }

    @Override
    public CompletableFuture<Long> subscribe(String clientId, String channel) {
        checkName("clientId", clientId);
        checkName("channel", channel);
        CompletableFuture<Void> persisted;
        long cursor;
        synchronized (this) {
            checkOpen();
            Long existing = subscriptions.getOrDefault(clientId, Map.of()).get(channel);
            if (existing != null) {
                return CompletableFuture.completedFuture(existing);
            }
            Map<String, Long> own = subscriptions.getOrDefault(clientId, Map.of());
            if (own.size() >= limits.maxSubscriptionsPerClient()) {
                return CompletableFuture.failedFuture(new StoreLimitException(clientId + " has " + own.size()
                        + " subscriptions, the most one client may have (maxSubscriptionsPerClient)"));
            }
            if (subscriptionCount >= limits.maxSubscriptions()) {
                return CompletableFuture.failedFuture(new StoreLimitException(
                        "the store holds " + subscriptionCount + " subscriptions, the most it may (maxSubscriptions)"));
            }
            try {
                // the newest stored seq, not one still in flight: a publish that fails hands its seq to the next one
                cursor = openChannel(channel).lastDurableSeq;
            } catch (StoreLimitException e) {
                return CompletableFuture.failedFuture(e);
            }
            addSubscription(clientId, channel, cursor);
            try {
                persisted = persistSubscribe(clientId, channel, cursor);
            } catch (RuntimeException e) {
                removeSubscription(clientId, channel);
                return CompletableFuture.failedFuture(failure("subscribe " + clientId + " to " + channel, e));
            }
        }
        return persisted.handle((ok, error) -> {
            if (error != null) {
                synchronized (this) {
                    removeSubscription(clientId, channel);
                }
                throw new CompletionException(failure("subscribe " + clientId + " to " + channel, error));
            }
            return cursor;
        });
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String clientId, String channel) {
        synchronized (this) {
            checkOpen();
            if (!removeSubscription(clientId, channel)) {
                return CompletableFuture.completedFuture(null);
            }
            try {
                return persistUnsubscribe(clientId, channel).exceptionally(error -> {
                    throw new CompletionException(failure("unsubscribe " + clientId + " from " + channel, error));
                });
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(failure("unsubscribe " + clientId + " from " + channel, e));
            }
        }
    }

    @Override
    public CompletableFuture<Map<String, Long>> subscriptions(String clientId) {
        synchronized (this) {
            return CompletableFuture.completedFuture(Map.copyOf(subscriptions.getOrDefault(clientId, Map.of())));
        }
    }

    @Override
    public CompletableFuture<Set<String>> subscribers(String channel) {
        synchronized (this) {
            return CompletableFuture.completedFuture(Set.copyOf(subscribers.getOrDefault(channel, Set.of())));
        }
    }

    @Override
    public CompletableFuture<Void> commit(String clientId, String channel, long seq) {
        synchronized (this) {
            Map<String, Long> subs = subscriptions.get(clientId);
            Long cursor = subs == null ? null : subs.get(channel);
            if (cursor != null && seq > cursor) {
                subs.put(channel, seq);
                cursorMoved(clientId, channel);
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void maintain(long nowMillis) {
        synchronized (this) {
            if (closed) {
                return;
            }
            for (ChannelLog log : channels.values()) {
                long acked = Long.MAX_VALUE;
                for (String clientId : subscribers.getOrDefault(log.name, Set.of())) {
                    acked = Math.min(acked, subscriptions.get(clientId).get(log.name));
                }
                Retention r = retention.apply(log.name);
                long maxAge = r.maxAge().toMillis();
                while (log.size() > 0) {
                    long seq = log.seq(0);
                    if (seq <= acked) {
                        log.removeFirst();
                    } else if (nowMillis - log.time(0) > maxAge || log.bytes() > r.maxBytes()) {
                        log.expiredThrough = seq;
                        log.removeFirst();
                    } else {
                        break;
                    }
                }
            }
        }
        afterMaintain();
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** The channel, created if new and the limit allows; under the lock. */
    private ChannelLog openChannel(String channel) {
        ChannelLog log = channels.get(channel);
        if (log == null) {
            if (channels.size() >= limits.maxChannels()) {
                throw new StoreLimitException(
                        "the store holds " + channels.size() + " channels, the most it may (maxChannels)");
            }
            log = new ChannelLog(channel);
            channels.put(channel, log);
        }
        return log;
    }

    /** Adds a subscription as persisted (at recovery or by {@link #subscribe}); under the lock. */
    final void addSubscription(String clientId, String channel, long cursor) {
        if (subscriptions.computeIfAbsent(clientId, k -> new LinkedHashMap<>()).put(channel, cursor) == null) {
            subscriptionCount++;
        }
        subscribers.computeIfAbsent(channel, k -> new LinkedHashSet<>()).add(clientId);
    }

    final boolean removeSubscription(String clientId, String channel) {
        Map<String, Long> subs = subscriptions.get(clientId);
        if (subs == null || subs.remove(channel) == null) {
            return false;
        }
        subscriptionCount--;
        if (subs.isEmpty()) {
            subscriptions.remove(clientId);
        }
        Set<String> clients = subscribers.get(channel);
        clients.remove(clientId);
        if (clients.isEmpty()) {
            subscribers.remove(channel);
        }
        return true;
    }

    /** One subscription and its cursor. */
    record Subscription(String clientId, String channel, long cursor) {}

    /** Every subscription; under the lock. */
    final List<Subscription> snapshotSubscriptions() {
        List<Subscription> out = new ArrayList<>();
        subscriptions.forEach((client, subs) ->
                subs.forEach((channel, cursor) -> out.add(new Subscription(client, channel, cursor))));
        return out;
    }

    final synchronized void markClosed() {
        closed = true;
    }

    final synchronized boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException("message store is closed");
        }
    }

    static void checkName(String what, String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(what + " : " + (name == null ? null : "\"" + abbreviate(name) + "\"")
                    + " (expected: 1-" + MAX_NAME_LENGTH + " characters)");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static StoreException failure(String what, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof StoreException se) {
            return se;
        }
        return new StoreException("could not " + what + ": " + cause.getMessage(), cause);
    }
}
