package io.courier;

import io.courier.adapter.Adapter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A Socket.IO namespace: its middlewares, connection handlers, sockets and rooms. A namespace made by
 * {@link Courier#of(java.util.regex.Pattern)} is a parent: handlers added to it apply to every child namespace it
 * creates, and its emits reach all of them.
 */
public interface Namespace {
    /** The name, e.g. {@code "/"} or {@code "/admin"}. */
    String name();

    /** Adds a connection middleware; middlewares run in order for every new socket. */
    Namespace use(Middleware middleware);

    /** Adds a connection handler. */
    Namespace onConnection(ConnectionHandler handler);

    /** The local sockets by id (a live, unmodifiable view; empty for a parent namespace). */
    Map<String, Socket> sockets();

    /** The room index of this namespace (null for a parent namespace). */
    Adapter adapter();

    BroadcastOperator to(String... rooms);

    BroadcastOperator in(String... rooms);

    BroadcastOperator except(String... rooms);

    BroadcastOperator timeout(Duration timeout);

    /** Socket.IO's {@code volatile} flag. */
    BroadcastOperator droppable();

    BroadcastOperator compress(boolean compress);

    /** Only this node's sockets, in a cluster. */
    BroadcastOperator local();

    /** Sends to every socket of the namespace. */
    boolean emit(String event, Object... args);

    /** Sends to every socket and collects their acks (see {@link BroadcastOperator#emitWithAck}). */
    CompletableFuture<List<EventArgs>> emitWithAck(String event, Object... args);

    CompletableFuture<List<RemoteSocket>> fetchSockets();

    void socketsJoin(String... rooms);

    void socketsLeave(String... rooms);

    void disconnectSockets(boolean close);

    /**
     * Sends an event to this namespace's {@link #onServerSideEmit} handlers on every other node of the cluster, not
     * to clients and not to this node (socket.io's {@code serverSideEmit}); a single node has no one to tell.
     *
     * @throws IllegalArgumentException for a reserved event name
     * @return true
     */
    boolean serverSideEmit(String event, Object... args);

    /**
     * Like {@link #serverSideEmit}, and completes with every other node's answer (the arguments its handler passed to
     * {@link Ack#reply}); fails with {@link AckTimeoutException}, carrying the answers so far, when a node does not
     * answer within the adapter's request timeout. On a single node it completes at once with no answers.
     */
    CompletableFuture<List<EventArgs>> serverSideEmitWithAck(String event, Object... args);

    /**
     * Handles the server-side events other nodes send to this namespace. The handler runs on the handler executor;
     * its ack answers the sending node when it asked for one (the first handler to reply answers).
     */
    Namespace onServerSideEmit(String event, EventHandler handler);
}
