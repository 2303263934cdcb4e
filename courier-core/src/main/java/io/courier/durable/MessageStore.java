package io.courier.durable;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Where durable queues live: channels of messages, durable subscriptions of client identities to channels, and each
 * subscription's cursor (the seq up to which the subscriber acknowledged). A message is stored once per publish, not
 * once per subscriber. {@link JournalMessageStore} is the embedded default, {@link InMemoryMessageStore} the opt-out
 * of durability; a cluster store (e.g. Redis Streams) implements the same contract.
 *
 * <p>Thread-safe. {@link #readAfter} may block on I/O: never call it on an event loop.
 */
public interface MessageStore extends AutoCloseable {
    /**
     * Stores a message.
     *
     * @return a future that completes with the stored message once it is durable (for the journal store: after the
     *     fsync that covers it, under the default policy), or fails with {@link StoreException}; a failed append was
     *     not acknowledged, is never delivered as if it had been, and uses up no seq (seqs of stored messages are
     *     dense). The futures of one channel complete in seq
     *     order; an action attached to one before the next append of the channel is made runs before the actions of
     *     later messages (callers that need the order attach under their own lock)
     */
    CompletableFuture<StoredMessage> append(String channel, byte[] payload);

    /**
     * Up to {@code max} messages of {@code channel} with a seq above {@code afterSeq}, in seq order. When retention
     * removed messages after {@code afterSeq}, the first one is a {@linkplain StoredMessage#lost() lost} message with
     * the seq {@link #expiredThrough}: a reader learns of every gap from what it reads, wherever it reads from.
     */
    List<StoredMessage> readAfter(String channel, long afterSeq, int max);

    /** The seq of the newest durable message of {@code channel}, 0 if none. */
    long lastSeq(String channel);

    /** The highest seq that retention removed from {@code channel} (0 if none); see {@link Retention}. */
    long expiredThrough(String channel);

    Optional<ChannelStats> stats(String channel);

    /** Every channel's state (a snapshot; for metrics and admin views). */
    List<ChannelStats> channels();

    /**
     * Subscribes {@code clientId} to {@code channel} from now on: its cursor starts at the channel's newest stored seq
     * (a publish still in flight is delivered to it). A no-op for an existing subscription.
     *
     * @return a future that completes with the subscription's cursor once the subscription is durable
     */
    CompletableFuture<Long> subscribe(String clientId, String channel);

    /** Removes a subscription (and its cursor); completes once that is durable. */
    CompletableFuture<Void> unsubscribe(String clientId, String channel);

    /** The subscriptions of {@code clientId}: channel to cursor. */
    Map<String, Long> subscriptions(String clientId);

    /** The client ids subscribed to {@code channel}. */
    Set<String> subscribers(String channel);

    /**
     * Moves a subscription's cursor forward to {@code seq} (never back). Cursors are persisted in batches: after a
     * crash a cursor can be a little behind, so a few acknowledged messages come again (at-least-once).
     */
    void commit(String clientId, String channel, long seq);

    /**
     * Housekeeping, called periodically: persists moved cursors, removes messages every subscriber acknowledged and
     * messages beyond {@link Retention}, frees storage.
     */
    void maintain(long nowMillis);

    /** Persists cursors, completes what was accepted and releases the storage. */
    @Override
    void close();
}
