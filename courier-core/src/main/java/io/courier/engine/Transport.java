package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import java.util.Collection;

/** The session's current way to reach the client. Called on the session's event loop only. */
sealed interface Transport permits PollingTransport, WebSocketTransport {
    String name();

    /** Whether packets can leave right now (a poll is pending, or the socket is writable). */
    boolean writable();

    /** Sends the packets in order. Only called when {@link #writable()} for polling. */
    void send(Collection<EngineIoPacket> packets);

    /** Bytes handed to this transport and not yet written to the network. */
    long pendingBytes();

    /** Ends the transport; for polling, a pending poll is answered with {@code last}. */
    void close(EngineIoPacket last);
}
