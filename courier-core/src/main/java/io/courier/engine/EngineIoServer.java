package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketType;
import io.courier.internal.Ids;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
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

    /** Length of a node id, the prefix of every sid a node of a cluster makes. */
    public static final int NODE_ID_LENGTH = 6;

    private final EngineIoConfig config;
    private final SessionHandler handler;
    private final String nodeId;
    private final Map<String, EngineIoSession> sessions = new ConcurrentHashMap<>();
    private final Map<EventLoop, LoopHeartbeats> heartbeats = new ConcurrentHashMap<>();
    /** Set by {@link #closeAll}: no session opens from then on. */
    private volatile boolean closing;
    /** What follows the sid in a WebSocket's open packet; computed once (benign race: always the same bytes). */
    private byte[] webSocketOpenTail;

    private static final byte[] OPEN_HEAD = "0{\"sid\":\"".getBytes(StandardCharsets.US_ASCII);

    /** The heartbeat lists of the sessions one event loop owns (see {@link Heartbeats}). */
    record LoopHeartbeats(Heartbeats pings, Heartbeats pongs) {}

    /** A server whose sids are 128 random bits (22 characters), as a single node's. */
    public EngineIoServer(EngineIoConfig config, SessionHandler handler) {
        this(config, handler, null);
    }

    /**
     * A node of a cluster: every sid it makes is {@code nodeId} followed by 128 random bits, so any node can tell a
     * sid's owner by reading it ({@link #ownerOf}).
     *
     * @param nodeId {@value #NODE_ID_LENGTH} characters of {@code [A-Za-z0-9]}, or null for a single node's sids
     */
    public EngineIoServer(EngineIoConfig config, SessionHandler handler, String nodeId) {
        this.config = Objects.requireNonNull(config, "config");
        this.handler = Objects.requireNonNull(handler, "handler");
        if (nodeId != null && !validNodeId(nodeId)) {
            throw new IllegalArgumentException(
                    "nodeId : " + nodeId + " (expected: " + NODE_ID_LENGTH + " characters of [A-Za-z0-9])");
        }
        this.nodeId = nodeId;
    }

    /** The node id in front of this server's sids, or null. */
    public String nodeId() {
        return nodeId;
    }

    /** The id of the node that made {@code sid}, or null for a sid without one (a single node's, or garbage). */
    public static String ownerOf(String sid) {
        if (sid == null || sid.length() != NODE_ID_LENGTH + Ids.LENGTH) {
            return null;
        }
        String owner = sid.substring(0, NODE_ID_LENGTH);
        return validNodeId(owner) ? owner : null;
    }

    private static boolean validNodeId(String id) {
        if (id.length() != NODE_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    private String newSid() {
        return nodeId == null ? Ids.newId() : nodeId + Ids.newId();
    }

    private final EngineIoStats stats = new EngineIoStats();

    /** Counters for metrics. */
    public EngineIoStats stats() {
        return stats;
    }

    /** The heartbeat lists of {@code loop}'s sessions, made on its first session. */
    LoopHeartbeats heartbeats(EventLoop loop) {
        LoopHeartbeats h = heartbeats.get(loop);
        return h != null
                ? h
                : heartbeats.computeIfAbsent(
                        loop,
                        l -> new LoopHeartbeats(
                                new Heartbeats(l, config.pingInterval().toNanos(), EngineIoSession::ping),
                                new Heartbeats(l, config.pingTimeout().toNanos(), EngineIoSession::pongTimedOut)));
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
        EngineIoSession session = new EngineIoSession(this, newSid(), loop, request, new PollingTransport());
        sessions.put(session.sid(), session);
        stats.opened();
        session.start(handler.onOpen(session));
        closeIfClosing(session);
        return session;
    }

    /** Opens a WebSocket-only session on the transport's channel loop and sends the open packet as the first frame. */
    public EngineIoSession openWebSocket(WebSocketTransport ws, EngineIoRequest request) {
        EngineIoSession session =
                new EngineIoSession(this, newSid(), ws.channel().eventLoop(), request, ws);
        sessions.put(session.sid(), session);
        stats.opened();
        sendOpen(ws, session.sid());
        session.start(handler.onOpen(session));
        closeIfClosing(session);
        return session;
    }

    /**
     * A handshake that passed the HTTP layer's {@link #closing()} check as {@link #closeAll} began: either closeAll
     * saw the session in the map, or this sees the flag (both are volatile), so none stays open.
     */
    private void closeIfClosing(EngineIoSession session) {
        if (closing) {
            session.close(EngineIoCloseReason.SERVER_SHUTTING_DOWN);
        }
    }

    /** Whether {@link #closeAll} was called: the HTTP layer refuses handshakes (503) from then on. */
    public boolean closing() {
        return closing;
    }

    /**
     * Sends {@link #openPacket}{@code (session, true)} over {@code ws}: only the sid differs from one WebSocket
     * handshake to the next (it is ASCII: base64url, with the node id in front in a cluster), so the text around it is
     * made once and the frame written from the three parts.
     */
    private void sendOpen(WebSocketTransport ws, String sid) {
        byte[] tail = webSocketOpenTail;
        if (tail == null) {
            String json = openPacket(sid, true).text();
            tail = json.substring(json.indexOf(sid) + sid.length()).getBytes(StandardCharsets.UTF_8);
            webSocketOpenTail = tail;
        }
        ws.sendText(OPEN_HEAD, sid, tail);
    }

    /** The handshake packet: exactly the five keys the official suites check. */
    public EngineIoPacket openPacket(EngineIoSession session, boolean websocket) {
        return openPacket(session.sid(), websocket);
    }

    private EngineIoPacket openPacket(String sid, boolean websocket) {
        List<String> upgrades = EngineIoRequest.transportsOf(config, websocket);
        String json = "{\"sid\":\"" + sid + "\",\"upgrades\":"
                + (upgrades.isEmpty() ? "[]" : "[\"websocket\"]")
                + ",\"pingInterval\":" + config.pingInterval().toMillis()
                + ",\"pingTimeout\":" + config.pingTimeout().toMillis()
                + ",\"maxPayload\":" + config.maxHttpBufferSize() + "}";
        return EngineIoPacket.text(EngineIoPacketType.OPEN, json);
    }

    /**
     * Closes every session with the given reason (flushing what each has buffered), and opens none from then on: the
     * server is going away, and a session opened now would die with it a moment later instead of opening elsewhere.
     */
    public void closeAll(EngineIoCloseReason reason) {
        closing = true;
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
