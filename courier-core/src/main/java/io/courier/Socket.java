package io.courier;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One client connected to one namespace (Socket.IO's server-side {@code socket}).
 *
 * <p>Listeners registered with {@code on*} run on this socket's handler lane: one at a time, in arrival order. Emit
 * methods are safe from any thread.
 */
public interface Socket extends RemoteSocket {
    /** The namespace this socket belongs to. */
    Namespace namespace();

    /** Whether the socket is still connected. */
    boolean connected();

    /** Whether this connection restored a previous session (connection state recovery). */
    boolean recovered();

    /** The Engine.IO transport in use: {@code "polling"} or {@code "websocket"}. */
    String transport();

    /**
     * The id of the Engine.IO connection this socket travels on (Socket.IO's {@code socket.conn.id}); sockets of
     * several namespaces can share one connection. Not the same as {@link #id()}.
     */
    String connectionId();

    /** Adds a listener for {@code event}. Several listeners run in registration order. */
    Socket on(String event, EventHandler handler);

    /**
     * Adds a listener for {@code event} that is quick and never blocks, so that it may run on the connection's event
     * loop instead of the handler executor: no hop to another thread and back, and its {@link Ack#reply} is written
     * at once. The event still runs alone and in order with everything else of this socket: on the event loop when
     * the socket has nothing queued or running on its lane (and nothing that earlier listeners sent still waits for
     * the event loop), otherwise on the handler executor after what is there.
     *
     * <p>An event runs this way only when all its listeners were added with {@code onInline}, the socket has no
     * {@link #onAny} listener and deduplication is off; otherwise its listeners run on the handler executor as usual.
     * A listener that blocks or computes for long here stalls every connection of its event loop: do I/O, locks,
     * {@code join()} and slow work with {@link #on} instead.
     */
    Socket onInline(String event, EventHandler handler);

    /** Adds a listener whose first argument is bound to {@code type}. */
    <T> Socket on(String event, Class<T> type, DataHandler<T> handler);

    /** Removes every listener of {@code event}. */
    Socket off(String event);

    /** A listener for every incoming event, called before the event's own listeners. */
    Socket onAny(AnyEventHandler handler);

    /** A listener for every outgoing event, called on the emitting thread before the packet is queued. */
    Socket onAnyOutgoing(AnyEventHandler handler);

    /** Called after the socket left its namespace. */
    Socket onDisconnect(DisconnectHandler handler);

    /** Called when the socket is about to leave: {@link #rooms()} still lists its rooms. */
    Socket onDisconnecting(DisconnectHandler handler);

    /**
     * Sends an event to this client. Byte arrays anywhere in {@code args} travel as binary attachments.
     *
     * @throws IllegalArgumentException if {@code event} is a reserved name such as {@code "disconnect"}
     * @return false if the socket is no longer connected
     * @throws CourierException with connection state recovery on, if its store is so slow that 65,536 emits and
     *     restores wait for it (nothing is sent)
     */
    @Override
    boolean emit(String event, Object... args);

    /** Sends an event and completes with the client's ack arguments; fails if the socket disconnects first. */
    CompletableFuture<EventArgs> emitWithAck(String event, Object... args);

    /** An emitter with an ack timeout: its {@code emitWithAck} fails with {@link AckTimeoutException} after it. */
    SocketEmitter timeout(Duration timeout);

    /** Socket.IO's {@code volatile}: this emitter's events are dropped when the connection cannot take them now. */
    SocketEmitter droppable();

    /**
     * Socket.IO's {@code compress}: with {@code false}, the emitter's events go out uncompressed even over a WebSocket
     * that negotiated permessage-deflate ({@link CourierConfig.Builder#perMessageDeflate}); default true.
     */
    SocketEmitter compress(boolean compress);

    /** Broadcast to {@code rooms}, except this socket. */
    BroadcastOperator to(String... rooms);

    /** Broadcast to every socket of the namespace except this one. */
    BroadcastOperator broadcast();

    /** Broadcast to the namespace except this socket and {@code rooms}. */
    BroadcastOperator except(String... rooms);

    /** Leaves the namespace; the client sees "io server disconnect" and does not reconnect by itself. */
    @Override
    void disconnect(boolean close);

    /** An emitter bound to one socket with flags (see {@link Socket#timeout}). */
    interface SocketEmitter {
        SocketEmitter timeout(Duration timeout);

        SocketEmitter droppable();

        SocketEmitter compress(boolean compress);

        boolean emit(String event, Object... args);

        CompletableFuture<EventArgs> emitWithAck(String event, Object... args);
    }
}
