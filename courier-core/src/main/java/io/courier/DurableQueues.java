package io.courier;

import io.courier.durable.ChannelStats;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Durable queues: delivery that does not depend on the client being connected. Turn them on with
 * {@link CourierConfig.Builder#durableQueues}; get them with {@link Courier#durable()}.
 *
 * <p>A socket whose handshake names a <b>durable identity</b> (by default {@code auth: {clientId: "..."}}) is that
 * identity's connection; anonymous sockets behave as plain Socket.IO. An identity holds durable subscriptions to
 * channels; they last, across disconnects and restarts, until {@link #unsubscribe}. {@link #publish} stores a message
 * once, acknowledges the publisher when it is durable, and delivers it to every subscriber as the event with exactly
 * the published arguments plus one last argument {@code {channel, id, seq}}, with an ack request: the client's ack
 * callback moves that subscriber's cursor. Unacknowledged messages come again, in order per channel, when the identity
 * connects again (also after a server restart with the embedded store). Delivery is <b>at-least-once</b>: a client
 * drops a duplicate by its {@code id}.
 *
 * <p>A client may acknowledge several deliveries with one ack: calling a delivery's ack callback with
 * {@code {"cumulative": true}} acknowledges it and every earlier delivery of that channel to the same connection, as
 * AMQP's {@code multiple} flag or a consumer's committed offset does (the client has received them all: a channel's
 * deliveries arrive in order). A client that acknowledges, say, once per batch of events it received sends one ack
 * where it would send many; the acks it skips are not waited for.
 *
 * <p>Each subscriber has at most {@link CourierConfig.Durable#inFlightWindow()} unacknowledged deliveries per channel;
 * beyond that it receives nothing more until it acknowledges (its backlog stays in the store, not in the heap). A
 * subscriber whose unacknowledged messages were removed by retention receives the event
 * {@value #CONTINUITY_LOST} with {@code {channel, fromSeq, toSeq}} (with an ack request) before anything newer.
 *
 * <p>If an identity has several sockets at once, the newest one receives the deliveries; when it goes, the next newest
 * takes over from the last acknowledged message.
 */
public interface DurableQueues {
    /** The event that tells a subscriber it lost messages of a channel to retention or damage. */
    String CONTINUITY_LOST = "courier:continuity-lost";

    /** The field of an ack argument {@code {"cumulative": true}}: the ack acknowledges the earlier deliveries too. */
    String CUMULATIVE = "cumulative";

    /** The durable identity of {@code socket}, empty for an anonymous socket or one of another namespace. */
    Optional<String> identity(Socket socket);

    /**
     * Subscribes {@code clientId} to {@code channel} from the channel's next message on (a no-op if it is already
     * subscribed). The future completes once the subscription is durable.
     *
     * @throws IllegalArgumentException for an empty or over-long name, or a channel name starting with {@code @}
     */
    CompletableFuture<Void> subscribe(String clientId, String channel);

    /** Removes a subscription; unacknowledged messages of that channel are no longer delivered to it. */
    CompletableFuture<Void> unsubscribe(String clientId, String channel);

    /**
     * The channels {@code clientId} is subscribed to. The store may answer later (a network store): dependent actions
     * run on the calling thread when the answer is at hand, else on a handler thread.
     */
    CompletableFuture<Set<String>> subscriptions(String clientId);

    /**
     * Stores and delivers a message. The future completes (on a handler thread) once the message is durable and
     * handed to the fan-out, or fails with {@link io.courier.durable.StoreException} (disk full, store closed, ...)
     * when it was not stored: then it is never delivered.
     */
    CompletableFuture<Published> publish(String channel, String event, Object... args);

    /** {@link #publish} to the identity's own channel ({@code @clientId}), which it is always subscribed to. */
    CompletableFuture<Published> sendTo(String clientId, String event, Object... args);

    /**
     * A channel's state, empty if nothing was ever published or subscribed to it. Completes like
     * {@link #subscriptions}.
     */
    CompletableFuture<Optional<ChannelStats>> channel(String channel);

    /**
     * A stored message.
     *
     * @param id its id (also in the delivery's last argument)
     * @param channel its channel
     * @param seq its sequence number in the channel
     */
    record Published(String id, String channel, long seq) {}
}
