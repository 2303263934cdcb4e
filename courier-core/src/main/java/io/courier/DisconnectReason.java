package io.courier;

/** Why a socket left its namespace: Socket.IO's closed list of reasons, plus two documented Courier extras. */
public enum DisconnectReason {
    /** The connection failed (network error, oversized frame, WebSocket protocol violation). */
    TRANSPORT_ERROR("transport error", true),
    /** The client closed the connection, or its network went away. */
    TRANSPORT_CLOSE("transport close", true),
    /** The connection was closed on purpose by the engine. */
    FORCED_CLOSE("forced close", true),
    /** No heartbeat answer within pingTimeout. */
    PING_TIMEOUT("ping timeout", true),
    /** The client sent an invalid packet. */
    PARSE_ERROR("parse error", false),
    /** The server is stopping. */
    SERVER_SHUTTING_DOWN("server shutting down", true),
    /** The server closed the whole connection. */
    FORCED_SERVER_CLOSE("forced server close", true),
    /** The server called {@link Socket#disconnect(boolean)}; the client will not reconnect by itself. */
    SERVER_NAMESPACE_DISCONNECT("server namespace disconnect", false),
    /** The client called {@code socket.disconnect()}. */
    CLIENT_NAMESPACE_DISCONNECT("client namespace disconnect", false),
    /** Courier extra: the client read slower than the server wrote, past {@code maxBufferedBytes}. */
    OUTBOUND_BUFFER_FULL("outbound buffer full", true),
    /** Courier extra: the client sent events faster than its handlers ran, past {@code maxQueuedEventsPerSocket}. */
    INBOUND_QUEUE_FULL("inbound queue full", false);

    private final String text;
    private final boolean recoverable;

    DisconnectReason(String text, boolean recoverable) {
        this.text = text;
        this.recoverable = recoverable;
    }

    /** Socket.IO's reason string, e.g. {@code "ping timeout"}. */
    public String text() {
        return text;
    }

    /** Whether connection state recovery applies after this reason (Socket.IO's rule). */
    public boolean recoverable() {
        return recoverable;
    }
}
