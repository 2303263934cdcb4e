package io.courier.client;

import java.util.List;

/**
 * One Engine.IO transport of a session ({@link WebSocketTransport} or {@link PollingTransport}). All methods and all
 * {@link Events} run on the client's event loop.
 */
interface Transport {
    /** What a transport reports to its session. */
    interface Events {
        /** The connection is up (the WebSocket handshake is done; polling reports no such event). */
        void onTransportOpen(Transport t);

        void onPacket(Transport t, EnginePacket p);

        /** Everything given to {@link #send} is written; the transport is writable again. */
        void onDrain(Transport t);

        /** The transport failed or the server closed it; no further events follow. */
        void onTransportError(Transport t, String reason, Throwable cause);
    }

    /** "websocket" or "polling". */
    String name();

    /** Connects (WebSocket) or starts the handshake request (polling). */
    void open();

    /** The session id to use from now on (polling learns it from the open packet). */
    void sid(String sid);

    /** Writes packets; only when {@link #writable()}. */
    void send(List<EnginePacket> packets);

    boolean writable();

    /** Stops starting requests and calls back once none is in flight (polling; a WebSocket pauses at once). */
    void pause(Runnable onPaused);

    /** Undoes {@link #pause}: a probe failed, so this transport goes on (polling starts polling again). */
    void resume();

    /** Closes at once; no events follow. With {@code sayGoodbye} a polling transport first posts a close packet. */
    void close(boolean sayGoodbye);
}
