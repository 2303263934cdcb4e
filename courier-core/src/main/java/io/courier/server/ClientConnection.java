package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.ConnectionRefusedException;
import io.courier.DisconnectReason;
import io.courier.DurableQueues;
import io.courier.Handshake;
import io.courier.adapter.OutboundPacket;
import io.courier.engine.EngineIoCloseReason;
import io.courier.engine.EngineIoRequest;
import io.courier.engine.EngineIoSession;
import io.courier.engine.codec.EngineIoPacket;
import io.courier.internal.Ids;
import io.courier.json.JsonCodec;
import io.courier.protocol.PacketDecoder;
import io.courier.protocol.SocketIoPacket;
import io.courier.protocol.SocketIoPacketEncoder;
import io.courier.protocol.SocketIoProtocolException;
import io.courier.recovery.RecoveryStore;
import io.courier.recovery.SavedSession;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Engine.IO session seen from Socket.IO (socket.io's {@code Client}): decodes packets and multiplexes them onto
 * the session's namespace sockets.
 *
 * <p>Everything here runs on the session's event loop, except {@link #send}, {@link #remove} and
 * {@link #disconnectAll}, which are safe from any thread.
 */
final class ClientConnection implements EngineIoSession.Listener {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    /**
     * The auth object of a CONNECT without one, shared by every such socket: an empty object that cannot be modified
     * (its map is immutable), instead of an empty {@code LinkedHashMap} per socket.
     */
    static final ObjectNode NO_AUTH = new ObjectNode(JsonNodeFactory.instance, Map.of());

    private final SocketIoRuntime runtime;
    private final EngineIoSession session;
    private final PacketDecoder decoder;
    // its namespace sockets: nearly every connection joins one namespace, kept in a field; a map only beyond it
    private DefaultSocket firstSocket;
    private Map<String, DefaultSocket> moreSockets;
    private Set<String> connecting; // namespaces whose middlewares are running
    private ScheduledFuture<?> connectTimer;
    private boolean connectTimeoutPassed; // while a CONNECT that arrived in time was still in its middlewares

    ClientConnection(SocketIoRuntime runtime, EngineIoSession session) {
        this.runtime = runtime;
        this.session = session;
        this.decoder = runtime.settings()
                .parser()
                .decoder(runtime.mapper(), runtime.settings().maxAttachments());
        this.connectTimer = session.eventLoop()
                .schedule(
                        this::connectTimedOut,
                        runtime.settings().connectTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
    }

    EngineIoSession session() {
        return session;
    }

    @Override
    public void onMessage(EngineIoSession s, String text) {
        // a durable delivery's ack, the commonest message of all: no header, packet object or JSON parser
        long ackId = decoder.emptyMainAckId(text);
        boolean cumulative = false;
        if (ackId < 0) {
            ackId = decoder.cumulativeMainAckId(text);
            cumulative = true;
        }
        if (ackId >= 0) {
            DefaultSocket socket = socket("/");
            if (socket != null) {
                // a fresh argument per ack: a user's ack callback may change what it is given
                socket.onAck(
                        ackId,
                        cumulative
                                ? List.of(JsonNodeFactory.instance.objectNode().put(DurableQueues.CUMULATIVE, true))
                                : List.of());
                return;
            }
        }
        // not through decode(Supplier): no function object per message (every durable delivery's ack is one)
        SocketIoPacket packet;
        try {
            packet = decoder.decodeText(text);
        } catch (SocketIoProtocolException e) {
            protocolError(e.getMessage());
            return;
        }
        if (packet != null) {
            onPacket(packet);
        }
    }

    @Override
    public void onBinary(EngineIoSession s, byte[] data) {
        decode(() -> decoder.decodeBinary(data));
    }

    /** Runs one decoding step; a whole packet is handled, null means binary attachments are still expected. */
    private void decode(Supplier<SocketIoPacket> step) {
        SocketIoPacket packet;
        try {
            packet = step.get();
        } catch (SocketIoProtocolException e) {
            protocolError(e.getMessage());
            return;
        }
        if (packet != null) {
            onPacket(packet);
        }
    }

    @Override
    public void onClose(EngineIoSession s, EngineIoCloseReason reason) {
        cancelConnectTimer();
        DisconnectReason r = map(reason);
        for (DefaultSocket socket : takeAllSockets()) {
            socket.onClose(r);
        }
    }

    private void onPacket(SocketIoPacket packet) {
        String nsp = packet.namespace();
        switch (packet.type()) {
            case CONNECT -> connect(nsp, packet.data());
            case DISCONNECT -> {
                DefaultSocket socket = removeSocket(nsp);
                if (socket == null) {
                    protocolError("disconnect from namespace " + nsp + " which is not connected");
                } else {
                    socket.onClose(DisconnectReason.CLIENT_NAMESPACE_DISCONNECT);
                }
            }
            case EVENT, BINARY_EVENT -> {
                DefaultSocket socket = socket(nsp);
                if (socket == null) {
                    protocolError("event for namespace " + nsp + " which is not connected");
                } else if (!socket.onEvent(packet)) {
                    log.warn(
                            "closing connection {} from {}: socket {} has {} events waiting (maxQueuedEventsPerSocket)",
                            session.sid(),
                            session.request().remoteAddress(),
                            socket.id(),
                            runtime.settings().maxQueuedEventsPerSocket());
                    closeAll(DisconnectReason.INBOUND_QUEUE_FULL);
                }
            }
            case ACK, BINARY_ACK -> {
                DefaultSocket socket = socket(nsp);
                if (socket == null) {
                    protocolError("ack for namespace " + nsp + " which is not connected");
                } else {
                    socket.onAck(packet);
                }
            }
            case CONNECT_ERROR -> protocolError("clients may not send CONNECT_ERROR");
        }
    }

    private void connect(String nsp, JsonNode auth) {
        if (socket(nsp) != null || (connecting != null && connecting.contains(nsp))) {
            protocolError("second CONNECT for namespace " + nsp);
            return;
        }
        DefaultNamespace namespace = runtime.lookup(nsp);
        if (namespace == null) {
            ObjectNode error = JsonNodeFactory.instance.objectNode().put("message", "Invalid namespace");
            sendPacket(SocketIoPacket.connectError(nsp, error));
            return;
        }
        ObjectNode authObject = auth instanceof ObjectNode o ? o : NO_AUTH;
        if (connecting == null) {
            connecting = new HashSet<>(2);
        }
        connecting.add(nsp);
        RecoveryStore recovery = runtime.recovery();
        JsonNode pid = authObject.get("pid");
        JsonNode last = authObject.get("offset");
        if (recovery == null || pid == null || !pid.isTextual() || last == null || !last.isTextual()) {
            start(namespace, authObject, null, null);
            return;
        }
        // connection state recovery: the client sends back its pid and the offset of the last event it got
        String offset = last.asText();
        CompletionStage<Optional<SavedSession>> restorable;
        try {
            restorable = recovery.restorable(pid.asText(), offset);
        } catch (RuntimeException e) {
            restorable = CompletableFuture.failedFuture(e);
        }
        restorable.whenComplete((found, error) -> onLoop(() -> {
            if (error != null) {
                log.warn(
                        "connection {}: the recovery store could not be asked for a session: {}", session.sid(), error);
            }
            SavedSession saved = found == null
                    ? null
                    : found.filter(s -> s.namespace().equals(nsp)).orElse(null);
            start(namespace, authObject, saved, offset);
        }));
    }

    /**
     * Runs the middlewares of a CONNECT, if any (skipped for a restorable session if so configured); on the loop.
     */
    private void start(DefaultNamespace namespace, ObjectNode auth, SavedSession saved, String offset) {
        DefaultSocket socket = new DefaultSocket(
                saved != null ? saved.socketId() : Ids.newSocketId(),
                runtime.recovery() == null ? null : saved != null ? saved.pid() : Ids.newId(),
                saved != null,
                namespace,
                this,
                auth,
                runtime);
        if ((saved != null && runtime.settings().skipMiddlewares()) || !namespace.hasMiddlewares()) {
            afterMiddlewares(socket, null, offset); // none to run: no turn on the socket's lane (a virtual thread)
        } else {
            namespace.runMiddlewares(socket, (s, refusal) -> onLoop(() -> afterMiddlewares(s, refusal, offset)));
        }
    }

    private void afterMiddlewares(DefaultSocket socket, ConnectionRefusedException refusal, String offset) {
        String nsp = socket.defaultNamespace().name();
        if (!session.isOpen()) {
            doneConnecting(nsp);
            return;
        }
        if (refusal != null) {
            doneConnecting(nsp);
            ObjectNode error = JsonNodeFactory.instance.objectNode().put("message", refusal.getMessage());
            if (refusal.data() != null) {
                error.set("data", JsonCodec.toNode(refusal.data()));
            }
            sendPacket(SocketIoPacket.connectError(nsp, error));
            if (connectTimeoutPassed && !hasSockets() && connecting == null) {
                // the deadline passed while this CONNECT was decided; refused, the connection has no namespace
                log.debug("closing connection {}: no namespace joined within connectTimeout", session.sid());
                session.close(EngineIoCloseReason.FORCED_CLOSE);
            }
            return;
        }
        cancelConnectTimer();
        restoreOrConnect(socket, offset);
    }

    /** On the loop: a recovering socket takes its turn in the recovery outbox, any other one connects now. */
    private void restoreOrConnect(DefaultSocket socket, String offset) {
        String nsp = socket.defaultNamespace().name();
        if (!session.isOpen()) {
            doneConnecting(nsp);
            return;
        }
        if (socket.recovered()) {
            DefaultSocket previous = socket.defaultNamespace().socket(socket.id());
            CompletableFuture<Void> leaving = previous == null ? null : previous.left();
            if (leaving != null && !leaving.isDone()) {
                // the socket whose session this is still leaves its rooms (its lane is busy): rejoining them before it
                // is done would lose the rooms it drops then
                leaving.whenComplete((v, e) -> onLoop(() -> restoreOrConnect(socket, offset)));
                return;
            }
            if (runtime.outbox().restore(socket.pid(), offset, restored -> restoreTurn(socket, restored))) {
                return; // the namespace stays connecting until the restore's turn
            }
        }
        // a new connection (or, in a rare race, a session that expired since CONNECT arrived: it keeps its ids)
        doneConnecting(nsp);
        putSocket(socket);
        socket.onConnected();
    }

    /**
     * The restore's turn in the recovery outbox, on whichever thread drains it: every packet logged before it has been
     * fanned out, none logged after it yet. The socket rejoins its rooms now, so the next fan-outs reach it; they go
     * through this session's loop, behind the task queued here, which sends the missed packets and the CONNECT reply.
     */
    private void restoreTurn(DefaultSocket socket, Optional<RecoveryStore.Restored> restored) {
        RecoveryStore.Restored r = restored.filter(x ->
                        x.session().namespace().equals(socket.defaultNamespace().name()))
                .orElse(null);
        if (r != null) {
            socket.rejoin(r.session());
        }
        try {
            onLoop(() -> afterRestore(socket, r));
        } catch (RejectedExecutionException stopped) {
            // the loop is shutting down with its connections: the session stays saved
            if (r != null) {
                socket.abandon();
            }
        }
    }

    private void afterRestore(DefaultSocket socket, RecoveryStore.Restored restored) {
        String nsp = socket.defaultNamespace().name();
        doneConnecting(nsp);
        if (!session.isOpen()) {
            if (restored != null) {
                socket.abandon();
            }
            return;
        }
        putSocket(socket);
        if (restored != null) {
            socket.onRecovered(restored.session(), restored.missed());
        } else {
            // the session expired since CONNECT arrived: a new socket that keeps its ids
            socket.onConnected();
        }
    }

    private void doneConnecting(String nsp) {
        connecting.remove(nsp);
        if (connecting.isEmpty()) {
            connecting = null;
        }
    }

    void sendConnectReply(DefaultSocket socket) {
        String nsp = socket.defaultNamespace().name();
        byte[] frame = runtime.encoder().getClass() == SocketIoPacketEncoder.class
                ? connectReplyFrame(nsp, socket.id(), socket.pid())
                : null;
        if (frame != null) {
            // what the default encoder writes for this packet, without a JSON tree and generator for every connect
            session.send(List.of(EngineIoPacket.messageFrameBytes(frame)), false);
            return;
        }
        ObjectNode reply = JsonNodeFactory.instance.objectNode().put("sid", socket.id());
        if (socket.pid() != null) {
            reply.put("pid", socket.pid());
        }
        sendPacket(SocketIoPacket.connect(socket.defaultNamespace().name(), reply));
    }

    /**
     * The Engine.IO message frame bytes ({@code 4} and the packet) of the CONNECT answer {@code {"sid":...,"pid":...}}
     * to {@code nsp}, as the default encoder writes it, in one array; null when a string is not plain ASCII JSON
     * (then the encoder writes it).
     */
    static byte[] connectReplyFrame(String nsp, String sid, String pid) {
        boolean root = "/".equals(nsp);
        if (!plainJsonString(sid) || (pid != null && !plainJsonString(pid)) || (!root && !plainJsonString(nsp))) {
            return null;
        }
        // 40[nsp,]{"sid":"<sid>"[,"pid":"<pid>"]}
        String sidKey = "{\"sid\":\"";
        String pidKey = "\",\"pid\":\"";
        String end = "\"}";
        byte[] out = new byte
                [2
                        + (root ? 0 : nsp.length() + 1)
                        + sidKey.length()
                        + sid.length()
                        + (pid == null ? 0 : pidKey.length() + pid.length())
                        + end.length()];
        int i = ascii(out, 0, "40");
        if (!root) {
            i = ascii(out, i, nsp);
            out[i++] = ',';
        }
        i = ascii(out, ascii(out, i, sidKey), sid);
        if (pid != null) {
            i = ascii(out, ascii(out, i, pidKey), pid);
        }
        ascii(out, i, end);
        return out;
    }

    private static int ascii(byte[] out, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            out[at + i] = (byte) s.charAt(i);
        }
        return at + s.length();
    }

    /** Whether JSON writes {@code s} as is between its quotes: printable ASCII other than {@code "} and {@code \\}. */
    static boolean plainJsonString(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    void send(OutboundPacket packet, boolean droppable) {
        session.send(packet.enginePackets(), droppable);
    }

    void sendAll(List<OutboundPacket> packets) {
        if (packets.size() == 1) {
            send(packets.get(0), false);
            return;
        }
        List<io.courier.engine.codec.EngineIoPacket> all = new ArrayList<>();
        for (OutboundPacket p : packets) {
            all.addAll(p.enginePackets());
        }
        session.send(all, false);
    }

    private void sendPacket(SocketIoPacket packet) {
        send(OutboundPacket.encode(packet, runtime.encoder()), false);
    }

    /** Forgets a socket that left its namespace on the server's initiative. Safe from any thread. */
    void remove(DefaultSocket socket) {
        onLoop(() -> removeSocket(socket));
    }

    /** {@code socket.disconnect(true)}: every socket leaves with a DISCONNECT packet, then the connection closes. */
    void disconnectAll() {
        onLoop(() -> {
            for (DefaultSocket socket : takeAllSockets()) {
                socket.send(
                        OutboundPacket.encode(
                                SocketIoPacket.disconnect(
                                        socket.defaultNamespace().name()),
                                runtime.encoder()),
                        false);
                socket.onClose(DisconnectReason.SERVER_NAMESPACE_DISCONNECT);
            }
            session.close(EngineIoCloseReason.FORCED_CLOSE);
        });
    }

    private void closeAll(DisconnectReason reason) {
        for (DefaultSocket socket : takeAllSockets()) {
            socket.onClose(reason);
        }
        session.abort(EngineIoCloseReason.INBOUND_QUEUE_FULL);
    }

    /** A packet the protocol does not allow: one INFO line saying what was wrong, and the connection closes. */
    private void protocolError(String message) {
        log.info(
                "closing connection {} from {}: bad Socket.IO packet: {}",
                session.sid(),
                session.request().remoteAddress(),
                message);
        session.abort(EngineIoCloseReason.PARSE_ERROR);
    }

    private void connectTimedOut() {
        connectTimer = null;
        if (hasSockets()) {
            return;
        }
        if (connecting != null) {
            // a CONNECT arrived in time and its middlewares are still running: their verdict decides
            connectTimeoutPassed = true;
            return;
        }
        log.debug("closing connection {}: no namespace joined within connectTimeout", session.sid());
        session.abort(EngineIoCloseReason.FORCED_CLOSE);
    }

    private void cancelConnectTimer() {
        if (connectTimer != null) {
            connectTimer.cancel(false);
            connectTimer = null;
        }
    }

    // ---- the namespace sockets, on the loop -----------------------------------------------------------------------

    private DefaultSocket socket(String nsp) {
        DefaultSocket first = firstSocket;
        if (first != null && first.defaultNamespace().name().equals(nsp)) {
            return first;
        }
        return moreSockets == null ? null : moreSockets.get(nsp);
    }

    /** Adds a socket of a namespace that has none on this connection. */
    private void putSocket(DefaultSocket socket) {
        if (firstSocket == null) {
            firstSocket = socket;
        } else {
            if (moreSockets == null) {
                moreSockets = new HashMap<>(4);
            }
            moreSockets.put(socket.defaultNamespace().name(), socket);
        }
    }

    private DefaultSocket removeSocket(String nsp) {
        DefaultSocket first = firstSocket;
        if (first != null && first.defaultNamespace().name().equals(nsp)) {
            firstSocket = null;
            return first;
        }
        return moreSockets == null ? null : moreSockets.remove(nsp);
    }

    private void removeSocket(DefaultSocket socket) {
        if (firstSocket == socket) {
            firstSocket = null;
        } else if (moreSockets != null) {
            moreSockets.remove(socket.defaultNamespace().name(), socket);
        }
    }

    private boolean hasSockets() {
        return firstSocket != null || (moreSockets != null && !moreSockets.isEmpty());
    }

    /** Every socket, forgotten. */
    private List<DefaultSocket> takeAllSockets() {
        List<DefaultSocket> all = new ArrayList<>(1 + (moreSockets == null ? 0 : moreSockets.size()));
        if (firstSocket != null) {
            all.add(firstSocket);
            firstSocket = null;
        }
        if (moreSockets != null) {
            all.addAll(moreSockets.values());
            moreSockets = null;
        }
        return all;
    }

    private void onLoop(Runnable task) {
        if (session.eventLoop().inEventLoop()) {
            task.run();
        } else {
            session.eventLoop().execute(task);
        }
    }

    /** A socket's handshake: this connection's request and the socket's CONNECT auth. */
    Handshake handshake(ObjectNode auth) {
        EngineIoRequest r = session.request();
        return new Handshake(r.headers(), r.query(), auth, r.remoteAddress(), r.secure(), r.issued(), r.url());
    }

    private static DisconnectReason map(EngineIoCloseReason reason) {
        return switch (reason) {
            case TRANSPORT_CLOSE -> DisconnectReason.TRANSPORT_CLOSE;
            case TRANSPORT_ERROR -> DisconnectReason.TRANSPORT_ERROR;
            case PING_TIMEOUT -> DisconnectReason.PING_TIMEOUT;
            case PARSE_ERROR -> DisconnectReason.PARSE_ERROR;
            case FORCED_CLOSE -> DisconnectReason.FORCED_SERVER_CLOSE;
            case SERVER_SHUTTING_DOWN -> DisconnectReason.SERVER_SHUTTING_DOWN;
            case OUTBOUND_BUFFER_FULL -> DisconnectReason.OUTBOUND_BUFFER_FULL;
            case INBOUND_QUEUE_FULL -> DisconnectReason.INBOUND_QUEUE_FULL;
        };
    }
}
