package io.courier.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A connection to one namespace, multiplexed with the client's other namespaces over one Engine.IO connection (as
 * socket.io-client's {@code Socket}). Get one with {@link CourierClient#socket(String)}.
 *
 * <p>Thread safety: every method may be called from any thread. Listeners run on the client's callback executor,
 * never on the network thread, in the order the server sent the events (with the default executor).
 *
 * <p>While the socket is not connected, emits wait in a buffer (bounded by {@code maxBufferedPackets}) and go out when
 * it connects, as in socket.io-client; an emit whose ack timeout runs out while it waits is dropped.
 */
public final class ClientSocket {
    private final CourierClient client;
    private final String nsp;
    private final Map<String, Object> auth;

    private final Map<String, List<EventListener>> listeners = new ConcurrentHashMap<>();
    private final List<AnyListener> anyListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> connectListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> disconnectListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<ConnectError>> connectErrorListeners = new CopyOnWriteArrayList<>();

    // state below: on the event loop only (the volatile ones are read from any thread)
    private volatile boolean active;
    private volatile boolean connected;
    private volatile String id;
    private volatile boolean recovered;
    private String pid;
    private String lastOffset;
    private int generation;
    private boolean connectSent;
    private long nextAckId;
    private final Map<Long, PendingAck> acks = new HashMap<>();
    private final ArrayDeque<Outgoing> sendBuffer = new ArrayDeque<>();
    private final List<SocketIoPacket> receiveBuffer = new ArrayList<>();

    /** An emit waiting for the connection. */
    private static final class Outgoing {
        final String event;
        final ArrayNode data;
        final long ackId;

        Outgoing(String event, ArrayNode data, long ackId) {
            this.event = event;
            this.data = data;
            this.ackId = ackId;
        }
    }

    private static final class PendingAck {
        final String event;
        final CompletableFuture<Args> future;
        ScheduledFuture<?> timer;
        Duration timeout;
        boolean sent;

        PendingAck(String event, CompletableFuture<Args> future) {
            this.event = event;
            this.future = future;
        }
    }

    ClientSocket(CourierClient client, String nsp, Map<String, Object> auth) {
        this.client = client;
        this.nsp = nsp;
        this.auth = auth;
    }

    /** The namespace, e.g. {@code "/"} or {@code "/admin"}. */
    public String namespace() {
        return nsp;
    }

    /** The socket id the server gave this connection, or null while not connected. */
    public String id() {
        return id;
    }

    /** Whether the namespace is connected now. */
    public boolean connected() {
        return connected;
    }

    /**
     * Whether the last connection recovered the previous session (connection state recovery: same id, rooms, and the
     * events missed meanwhile delivered before the connect listeners run).
     */
    public boolean recovered() {
        return recovered;
    }

    // ---------------------------------------------------------------- listeners

    /** Adds a listener for one event name. */
    public ClientSocket on(String event, EventListener listener) {
        listeners.computeIfAbsent(event, e -> new CopyOnWriteArrayList<>()).add(listener);
        return this;
    }

    /** Removes every listener of one event name. */
    public ClientSocket off(String event) {
        listeners.remove(event);
        return this;
    }

    /** Adds a listener for every event, called before the listeners of the event's name. */
    public ClientSocket onAny(AnyListener listener) {
        anyListeners.add(listener);
        return this;
    }

    /** Called each time the namespace connects (also after a reconnection; see {@link #recovered()}). */
    public ClientSocket onConnect(Runnable listener) {
        connectListeners.add(listener);
        return this;
    }

    /**
     * Called with the reason when the namespace disconnects: {@code "io server disconnect"} (the server disconnected
     * this socket; no automatic reconnection), {@code "io client disconnect"}, or a connection loss after which the
     * client reconnects: {@code "transport close"}, {@code "transport error"}, {@code "ping timeout"},
     * {@code "parse error"}.
     */
    public ClientSocket onDisconnect(Consumer<String> listener) {
        disconnectListeners.add(listener);
        return this;
    }

    /** Called when the namespace cannot connect (see {@link ConnectError#refusedByServer()}). */
    public ClientSocket onConnectError(Consumer<ConnectError> listener) {
        connectErrorListeners.add(listener);
        return this;
    }

    // ---------------------------------------------------------------- connect / disconnect

    /** Connects this namespace (and the client's connection, if needed). */
    public ClientSocket connect() {
        client.loop().execute(() -> {
            if (active && connected) {
                return;
            }
            active = true;
            client.socketActivated(this);
        });
        return this;
    }

    /** Leaves the namespace (a DISCONNECT packet); no reconnection follows. Waiting emits are dropped. */
    public ClientSocket disconnect() {
        client.loop().execute(() -> {
            if (connected) {
                client.sendPackets(SocketIoPacket.encode(SocketIoPacket.DISCONNECT, nsp, -1, null), null);
            }
            active = false;
            dropSendBuffer("io client disconnect");
            closed("io client disconnect");
            client.socketDeactivated(this);
        });
        return this;
    }

    boolean active() {
        return active;
    }

    /** A CONNECT was sent on the current engine connection and not answered yet; on the event loop. */
    boolean connecting() {
        return connectSent;
    }

    // ---------------------------------------------------------------- emitting

    /**
     * Sends an event. {@code byte[]} and {@code ByteBuffer} arguments (also nested in maps, lists and arrays) travel as
     * binary; anything else is written with Jackson.
     *
     * @throws SendBufferFullException when {@code maxBufferedPackets} emits already wait
     */
    public void emit(String event, Object... args) {
        send(event, args, null, null);
    }

    /**
     * Sends an event with an ack request; the future completes, on the callback executor, with the server's reply
     * arguments, or fails with {@link AckTimeoutException} after the client's {@code ackTimeout} (if set) or with
     * {@link DisconnectedException} when the connection ends after the event was sent.
     */
    public CompletableFuture<Args> emitWithAck(String event, Object... args) {
        CompletableFuture<Args> f = new CompletableFuture<>();
        send(event, args, f, client.options().ackTimeout);
        return f;
    }

    /** An emitter whose acks time out after {@code timeout}: {@code socket.timeout(d).emitWithAck("e")}. */
    public Timed timeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return new Timed(timeout);
    }

    /** Emits with an ack timeout; see {@link ClientSocket#timeout(Duration)}. */
    public final class Timed {
        private final Duration timeout;

        private Timed(Duration timeout) {
            this.timeout = timeout;
        }

        /** {@link ClientSocket#emitWithAck}, failing with {@link AckTimeoutException} after this timeout. */
        public CompletableFuture<Args> emitWithAck(String event, Object... args) {
            CompletableFuture<Args> f = new CompletableFuture<>();
            send(event, args, f, timeout);
            return f;
        }
    }

    private void send(String event, Object[] args, CompletableFuture<Args> ack, Duration timeout) {
        if (event == null) {
            throw new IllegalArgumentException("event name is null");
        }
        ArrayNode data = JsonNodeFactory.instance.arrayNode();
        data.add(event);
        for (Object a : args) {
            data.add(SocketIoPacket.toNode(a));
        }
        client.reserve();
        client.loop().execute(() -> {
            long ackId = -1;
            if (ack != null) {
                ackId = nextAckId++;
                PendingAck pending = new PendingAck(event, ack);
                acks.put(ackId, pending);
                if (timeout != null) {
                    long idForTimer = ackId;
                    pending.timeout = timeout;
                    pending.timer = client.loop()
                            .schedule(() -> timedOut(idForTimer), timeout.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            Outgoing out = new Outgoing(event, data, ackId);
            if (connected) {
                write(out);
            } else {
                sendBuffer.add(out);
            }
        });
    }

    private void write(Outgoing out) {
        PendingAck pending = out.ackId >= 0 ? acks.get(out.ackId) : null;
        if (pending != null) {
            pending.sent = true;
        }
        client.sendPackets(SocketIoPacket.encode(SocketIoPacket.EVENT, nsp, out.ackId, out.data), client::release);
    }

    private void timedOut(long ackId) {
        PendingAck pending = acks.remove(ackId);
        if (pending == null) {
            return;
        }
        for (Iterator<Outgoing> it = sendBuffer.iterator(); it.hasNext(); ) {
            if (it.next().ackId == ackId) {
                it.remove();
                client.release();
            }
        }
        client.callback(
                () -> pending.future.completeExceptionally(new AckTimeoutException(pending.event, pending.timeout)));
    }

    private void dropSendBuffer(String reason) {
        for (Outgoing out : sendBuffer) {
            client.release();
            if (out.ackId >= 0) {
                failAck(out.ackId, reason);
            }
        }
        sendBuffer.clear();
    }

    private void failAck(long ackId, String reason) {
        PendingAck pending = acks.remove(ackId);
        if (pending != null) {
            if (pending.timer != null) {
                pending.timer.cancel(false);
            }
            client.callback(() -> pending.future.completeExceptionally(new DisconnectedException(reason)));
        }
    }

    // ---------------------------------------------------------------- from the client (event loop)

    /** The engine connection is open: send CONNECT if this namespace wants to be connected. */
    void engineOpened() {
        if (!active) {
            return;
        }
        ObjectNode data = null;
        if (pid != null) {
            data = JsonNodeFactory.instance.objectNode();
            data.put("pid", pid);
            if (lastOffset != null) {
                data.put("offset", lastOffset);
            }
        }
        if (!auth.isEmpty()) {
            if (data == null) {
                data = JsonNodeFactory.instance.objectNode();
            }
            data.setAll((ObjectNode) SocketIoPacket.toNode(auth)); // the app's keys win
        }
        connectSent = true;
        client.sendPackets(SocketIoPacket.encode(SocketIoPacket.CONNECT, nsp, -1, data), null);
    }

    void onPacket(SocketIoPacket p) {
        switch (p.type) {
            case SocketIoPacket.CONNECT:
                onConnectReply(p.data);
                break;
            case SocketIoPacket.EVENT:
            case SocketIoPacket.BINARY_EVENT:
                if (connected) {
                    dispatch(p);
                } else {
                    receiveBuffer.add(p);
                }
                break;
            case SocketIoPacket.ACK:
            case SocketIoPacket.BINARY_ACK:
                onAck(p);
                break;
            case SocketIoPacket.DISCONNECT:
                active = false;
                closed("io server disconnect");
                client.socketDeactivated(this);
                break;
            case SocketIoPacket.CONNECT_ERROR:
                active = false;
                connectSent = false;
                receiveBuffer.clear();
                JsonNode d = p.data;
                String message =
                        d.isTextual() ? d.textValue() : d.path("message").asText("connect error");
                ConnectError error = new ConnectError(message, d.isObject() ? d.get("data") : null, true, null);
                dropSendBuffer("connect error: " + message);
                for (Consumer<ConnectError> l : connectErrorListeners) {
                    client.callback(() -> l.accept(error));
                }
                client.socketDeactivated(this);
                break;
            default:
        }
    }

    private void onConnectReply(JsonNode data) {
        if (connected || data == null || !data.path("sid").isTextual()) {
            client.protocolError(new ProtocolException("unexpected CONNECT for " + nsp + ": " + data));
            return;
        }
        String newPid = data.path("pid").isTextual() ? data.get("pid").textValue() : null;
        connectSent = false;
        recovered = newPid != null && newPid.equals(pid);
        pid = newPid;
        id = data.get("sid").textValue();
        connected = true;
        generation++;
        for (SocketIoPacket buffered : receiveBuffer) {
            dispatch(buffered);
        }
        receiveBuffer.clear();
        while (!sendBuffer.isEmpty()) {
            write(sendBuffer.poll());
        }
        client.namespaceConnected(this);
        for (Runnable l : connectListeners) {
            client.callback(l);
        }
    }

    private void onAck(SocketIoPacket p) {
        PendingAck pending = acks.remove(p.id);
        if (pending == null) {
            return; // unknown or timed out: ignored, as socket.io-client does
        }
        if (pending.timer != null) {
            pending.timer.cancel(false);
        }
        List<JsonNode> values = new ArrayList<>();
        p.data.forEach(values::add);
        Args args = new Args(values);
        client.callback(() -> pending.future.complete(args));
    }

    private void dispatch(SocketIoPacket p) {
        JsonNode data = p.data;
        String event = data.get(0).asText();
        List<JsonNode> values = new ArrayList<>(data.size() - 1);
        for (int i = 1; i < data.size(); i++) {
            values.add(data.get(i));
        }
        if (pid != null && !values.isEmpty() && values.get(values.size() - 1).isTextual()) {
            lastOffset = values.get(values.size() - 1).textValue();
        }
        Args args = new Args(values);
        Ack ack = p.id >= 0 ? new ServerAck(generation, p.id) : Ack.NONE;
        if (client.routeDelivery(this, event, args, ack)) {
            return;
        }
        client.callback(() -> deliver(event, args, ack));
    }

    /** Runs the listeners of one event; on the callback executor. */
    void deliver(String event, Args args, Ack ack) {
        for (AnyListener l : anyListeners) {
            client.guard(() -> l.onEvent(event, args, ack));
        }
        List<EventListener> ls = listeners.get(event);
        if (ls != null) {
            for (EventListener l : ls) {
                client.guard(() -> l.onEvent(args, ack));
            }
        }
    }

    /** The engine connection ended (or never opened, {@code opened} false). */
    void engineClosed(String reason, Throwable cause, boolean opened) {
        receiveBuffer.clear();
        connectSent = false;
        if (connected) {
            closed(reason);
        } else if (active) {
            ConnectError error = new ConnectError("connection failed: " + reason, null, false, cause);
            for (Consumer<ConnectError> l : connectErrorListeners) {
                client.callback(() -> l.accept(error));
            }
        }
    }

    private void closed(String reason) {
        if (!connected) {
            return;
        }
        connected = false;
        id = null;
        generation++;
        // sent events can no longer be acknowledged; those still waiting in the buffer keep their chance
        List<Long> sent = new ArrayList<>();
        for (Map.Entry<Long, PendingAck> e : acks.entrySet()) {
            if (e.getValue().sent) {
                sent.add(e.getKey());
            }
        }
        for (Long ackId : sent) {
            failAck(ackId, reason);
        }
        for (Consumer<String> l : disconnectListeners) {
            client.callback(() -> l.accept(reason));
        }
    }

    /** The client is closing: everything waiting fails. */
    void shutdown() {
        active = false;
        dropSendBuffer("client closed");
        closed("io client disconnect");
        for (Long ackId : new ArrayList<>(acks.keySet())) {
            failAck(ackId, "client closed");
        }
    }

    /** An acknowledgement for the server, valid while the connection that carried the event lasts. */
    private final class ServerAck implements Ack {
        private final int generationAtReceipt;
        private final long ackId;
        private final AtomicBoolean replied = new AtomicBoolean();

        ServerAck(int generation, long ackId) {
            this.generationAtReceipt = generation;
            this.ackId = ackId;
        }

        @Override
        public boolean requested() {
            return true;
        }

        @Override
        public void reply(Object... args) {
            if (!replied.compareAndSet(false, true)) {
                return;
            }
            ArrayNode data = JsonNodeFactory.instance.arrayNode();
            for (Object a : args) {
                data.add(SocketIoPacket.toNode(a));
            }
            client.loop().execute(() -> {
                if (connected && generation == generationAtReceipt) {
                    client.sendPackets(SocketIoPacket.encode(SocketIoPacket.ACK, nsp, ackId, data), null);
                }
            });
        }

        /** Whether this ack can still reach the server; on the event loop. */
        boolean current() {
            return connected && generation == generationAtReceipt;
        }
    }

    /** Whether an ack of this socket can still reach the server; on the event loop. */
    static boolean current(Ack ack) {
        return ack instanceof ServerAck && ((ServerAck) ack).current();
    }
}
