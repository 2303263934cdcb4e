package io.courier;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An immutable description of "who gets this": rooms, exclusions and flags. Every modifier returns a new operator, as
 * in socket.io: {@code io.to("a").to("b").except("c").emit("news", item)}. Safe from any thread.
 *
 * <p>The packet of an emit is encoded once; every recipient gets the same bytes.
 */
public interface BroadcastOperator {
    /** Adds target rooms (union). */
    BroadcastOperator to(String... rooms);

    /** Same as {@link #to}. */
    BroadcastOperator in(String... rooms);

    /** Excludes the sockets of these rooms. */
    BroadcastOperator except(String... rooms);

    /** Ack timeout of {@link #emitWithAck}. */
    BroadcastOperator timeout(Duration timeout);

    /** Socket.IO's {@code volatile}: drop the event for recipients whose connection cannot take it right now. */
    BroadcastOperator droppable();

    /**
     * Socket.IO's {@code compress}: with {@code false}, the event goes out uncompressed even over WebSockets that
     * negotiated permessage-deflate ({@link CourierConfig.Builder#perMessageDeflate}); default true. The flag travels
     * to the other nodes of a cluster.
     */
    BroadcastOperator compress(boolean compress);

    /** Only this node's sockets, in a cluster. */
    BroadcastOperator local();

    /**
     * Sends the event to every matching socket.
     *
     * @throws IllegalArgumentException for a reserved event name
     * @return true
     * @throws CourierException with connection state recovery on, if its store is so slow that 65,536 emits and
     *     restores wait for it (nothing is sent)
     */
    boolean emit(String event, Object... args);

    /**
     * Sends the event with an ack request to every matching socket and completes with all their replies. With a
     * {@link #timeout}, fails with {@link AckTimeoutException} (carrying the replies so far) when it passes.
     */
    CompletableFuture<List<EventArgs>> emitWithAck(String event, Object... args);

    /** The matching sockets. */
    CompletableFuture<List<RemoteSocket>> fetchSockets();

    /** Makes the matching sockets join the rooms. */
    void socketsJoin(String... rooms);

    /** Makes the matching sockets leave the rooms. */
    void socketsLeave(String... rooms);

    /** Disconnects the matching sockets; with {@code close}, their whole connections. */
    void disconnectSockets(boolean close);
}
