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
 * <p><b>Asynchronous.</b> Every operation a network store needs a round trip for returns a {@link CompletableFuture},
 * so that the server never waits for the store on an event loop or a delivery lane: it continues when the future
 * completes. A network store completes its futures on its own threads; the embedded stores complete them at once, on
 * the calling thread (reading the local disk where a read needs it: callers call from a handler thread, never from an
 * event loop), except {@link #append} and the durability of {@link #subscribe}/{@link #unsubscribe}, which complete on
 * the journal's writer thread after the fsync. Callers never {@code join()} a future on a lane or an event loop, and
 * must not rely on the thread a future completes on: dependent actions hop to where they run.
 *
 * <p>Order: the futures of calls a caller makes one after the other for the same channel (the same client for
 * {@link #subscriptions}) complete in call order, as the replies of one connection do; across channels they may
 * complete in any order. A read issued after an {@link #append}'s future completed sees that message (or a lost
 * message at or beyond its seq). A failed future carries a {@link StoreException} (or {@link StoreLimitException});
 * nothing a failed call did is half visible.
 *
 * <p>Synchronous by design: {@link #channels} (metrics gauges call it on their scrape: a network store answers from a
 * snapshot it keeps, refreshed by {@link #maintain}), {@link #maintain} (runs on the server's maintenance thread, where
 * waiting for the network delays only the next maintenance) and {@link #close}. Thread-safe.
 */
public interface MessageStore extends AutoCloseable {
    /**
     * Stores a message.
     *
     * @return a future that completes with the stored message once it is durable (for the journal store: after the
     *     fsync that covers it, under the default policy), or fails with {@link StoreException}; a failed append was
     *     not acknowledged, is never delivered as if it had been, and uses up no seq (seqs of stored messages are
     *     dense). The futures of one channel complete in seq order; an action attached to one before the next append
     *     of the channel is made runs before the actions of later messages (callers that need the order attach under
     *     their own lock)
     */
    CompletableFuture<StoredMessage> append(String channel, byte[] payload);

    /**
     * Up to {@code max} messages of {@code channel} with a seq above {@code afterSeq}, in seq order. When retention
     * removed messages after {@code afterSeq}, the first one is a {@linkplain StoredMessage#lost() lost} message with
     * the highest seq retention removed (see {@link ChannelStats#expiredThrough()}); seqs lost to damage read back as
     * lost messages too: a reader learns of every gap from what it reads, wherever it reads from. Fewer than {@code
     * max} messages means the reader is caught up with what was stored when the store answered.
     */
    CompletableFuture<List<StoredMessage>> readAfter(String channel, long afterSeq, int max);

    /** The seq of the newest durable message of {@code channel}, 0 if none. */
    CompletableFuture<Long> lastSeq(String channel);

    /** A channel's state, empty if nothing was ever published or subscribed to it (for admin views). */
    CompletableFuture<Optional<ChannelStats>> stats(String channel);

    /**
     * Every channel's state, for metrics gauges and admin views. Synchronous and without I/O: a network store answers
     * from a snapshot it keeps (refreshed by {@link #maintain}), so it may be up to one maintenance interval old.
     */
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
    CompletableFuture<Map<String, Long>> subscriptions(String clientId);

    /** The client ids subscribed to {@code channel}. */
    CompletableFuture<Set<String>> subscribers(String channel);

    /**
     * Moves a subscription's cursor forward to {@code seq} (never back: a commit that arrives after a higher one is
     * a no-op). Cursors are persisted in batches: after a crash a cursor can be a little behind, so a few acknowledged
     * messages come again (at-least-once).
     *
     * @return a future that completes once the store took the new cursor (not necessarily persisted yet); a failed
     *     commit loses nothing but the cursor's progress, which the next commit of the subscription carries
     */
    CompletableFuture<Void> commit(String clientId, String channel, long seq);

    /**
     * Housekeeping, called periodically on the server's maintenance thread (never on a lane or an event loop, so it may
     * wait for I/O): persists moved cursors, removes messages every subscriber acknowledged and messages beyond
     * {@link Retention}, frees storage, and refreshes what {@link #channels} answers.
     */
    void maintain(long nowMillis);

    /**
     * A store that several nodes share tells {@code listener} of every message appended to it, by any node, in seq
     * order per channel, and returns true: the server then hands messages to their online subscribers from these
     * notices rather than from its own appends, so that a subscriber gets what was published on any node. A store of
     * one node returns false and never calls the listener. Called once, before the first append; the listener is
     * quick and thread-safe.
     */
    default boolean feedAppends(AppendListener listener) {
        return false;
    }

    /** What {@link #feedAppends} calls. */
    interface AppendListener {
        /** A message was appended (by this node or another). */
        void appended(StoredMessage message);

        /**
         * Notices may have been missed (the store's connection was lost and is back): whatever a subscriber has not
         * received yet must be read from the store.
         */
        void missedSome();
    }

    /** Persists cursors, completes what was accepted and releases the storage. */
    @Override
    void close();
}
