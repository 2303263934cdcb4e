package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketType;
import io.courier.internal.Ids;
import io.netty.channel.EventLoop;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session registry of one Engine.IO endpoint: opens sessions at the handshake and finds them by sid.
 *
 * <p>Thread-safe. The HTTP layer validates requests and calls {@link #openPolling} or {@link #openWebSocket}; what the
 * sessions receive goes to the {@link SessionHandler}'s listeners.
 */
public final class EngineIoServer {
    /** Called on the new session's event loop right after the handshake; returns the session's listener. */
    @FunctionalInterface
    public interface SessionHandler {
        EngineIoSession.Listener onOpen(EngineIoSession session);
    }

    private final EngineIoConfig config;
    private final SessionHandler handler;
    private final Map<String, EngineIoSession> sessions = new ConcurrentHashMap<>();

    public EngineIoServer(EngineIoConfig config, SessionHandler handler) {
        this.config = Objects.requireNonNull(config, "config");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    private final EngineIoStats stats = new EngineIoStats();

    /** Counters for metrics. */
    public EngineIoStats stats() {
        return stats;
    }

    public EngineIoConfig config() {
        return config;
    }

    /** The open session with that sid, or null. */
    public EngineIoSession session(String sid) {
        return sid == null ? null : sessions.get(sid);
    }

    public int sessionCount() {
        return sessions.size();
    }

    public Collection<EngineIoSession> sessions() {
        return List.copyOf(sessions.values());
    }

    /**
     * Opens a polling session owned by {@code loop}; must be called on that loop. The caller answers the handshake
     * request with {@link #openPacket(EngineIoSession, boolean)}.
     */
    public EngineIoSession openPolling(EventLoop loop, EngineIoRequest request) {
        EngineIoSession session = new EngineIoSession(this, Ids.newId(), loop, request, new PollingTransport());
        sessions.put(session.sid(), session);
        stats.opened();
        session.start(handler.onOpen(session));
        return session;
    }

    /** Opens a WebSocket-only session on the transport's channel loop and sends the open packet as the first frame. */
    public EngineIoSession openWebSocket(WebSocketTransport ws, EngineIoRequest request) {
        EngineIoSession session =
                new EngineIoSession(this, Ids.newId(), ws.channel().eventLoop(), request, ws);
        sessions.put(session.sid(), session);
        stats.opened();
        ws.send(List.of(openPacket(session, true)));
        session.start(handler.onOpen(session));
        return session;
    }

    /** The handshake packet: exactly the five keys the official suites check. */
    public EngineIoPacket openPacket(EngineIoSession session, boolean websocket) {
        List<String> upgrades = EngineIoRequest.transportsOf(config, websocket);
        String json = "{\"sid\":\"" + session.sid() + "\",\"upgrades\":"
                + (upgrades.isEmpty() ? "[]" : "[\"websocket\"]")
                + ",\"pingInterval\":" + config.pingInterval().toMillis()
                + ",\"pingTimeout\":" + config.pingTimeout().toMillis()
                + ",\"maxPayload\":" + config.maxHttpBufferSize() + "}";
        return EngineIoPacket.text(EngineIoPacketType.OPEN, json);
    }

    /** Closes every session with the given reason (flushing what each has buffered). */
    public void closeAll(EngineIoCloseReason reason) {
        for (EngineIoSession s : sessions.values()) {
            s.close(reason);
        }
    }

    void remove(EngineIoSession session) {
        if (sessions.remove(session.sid(), session)) {
            stats.closed();
        }
    }
}
