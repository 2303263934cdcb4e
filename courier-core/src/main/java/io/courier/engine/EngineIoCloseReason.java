package io.courier.engine;

/** Why an Engine.IO session ended; the strings are the reference server's reasons. */
public enum EngineIoCloseReason {
    /** The client closed the transport or sent a close packet. */
    TRANSPORT_CLOSE("transport close"),
    /** The transport failed (abort, oversized frame, WebSocket protocol violation). */
    TRANSPORT_ERROR("transport error"),
    /** No pong within pingTimeout. */
    PING_TIMEOUT("ping timeout"),
    /** The client sent an undecodable Engine.IO or Socket.IO packet. */
    PARSE_ERROR("parse error"),
    /** The server closed the session on purpose. */
    FORCED_CLOSE("forced close"),
    /** The server is stopping. */
    SERVER_SHUTTING_DOWN("server shutting down"),
    /**
     * Courier extra: the session's outbound buffer passed its bound ({@code maxBufferedBytes}) because the client reads
     * slower than the server writes. The client sees a transport close and reconnects.
     */
    OUTBOUND_BUFFER_FULL("outbound buffer full"),
    /** Courier extra: the client flooded one socket's handler queue past its bound. */
    INBOUND_QUEUE_FULL("inbound queue full");

    private final String text;

    EngineIoCloseReason(String text) {
        this.text = text;
    }

    /** The reference reason text, e.g. {@code "ping timeout"}. */
    public String text() {
        return text;
    }
}
