package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.Ack;
import io.courier.AnyEventHandler;
import io.courier.BroadcastOperator;
import io.courier.DataHandler;
import io.courier.DisconnectHandler;
import io.courier.DisconnectReason;
import io.courier.EventArgs;
import io.courier.EventHandler;
import io.courier.Handshake;
import io.courier.Namespace;
import io.courier.Socket;
import io.courier.adapter.AckCallback;
import io.courier.adapter.Member;
import io.courier.adapter.OutboundPacket;
import io.courier.adapter.SocketDetails;
import io.courier.json.JsonCodec;
import io.courier.protocol.SocketIoPacket;
import io.courier.recovery.LoggedPacket;
import io.courier.recovery.RecoveryOutbox;
import io.courier.recovery.RecoveryStore;
import io.courier.recovery.SavedSession;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One client in one namespace. */
final class DefaultSocket implements Socket, Member {
    private static final Logger log = LoggerFactory.getLogger(DefaultSocket.class);
    private static final VarHandle CLOSING;
    private static final VarHandle ACK_SENT; // SocketAck.sent

    static {
        try {
            CLOSING = MethodHandles.lookup().findVarHandle(DefaultSocket.class, "closing", boolean.class);
            ACK_SENT = MethodHandles.lookup().findVarHandle(SocketAck.class, "sent", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String id;
    private final String pid; // connection state recovery's private id; null when recovery is off
    private final boolean recovered;
    private final DefaultNamespace namespace;
    private final ClientConnection connection;
    private final ObjectNode auth; // the rest of the handshake is the connection's request: see handshake()
    private final HandlerLane lane;
    private final SocketIoRuntime runtime;
    // allocated on first use: many sockets never register or wait for these, and an idle socket should stay small
    /** Event name → its handlers ({@link EventHandlers}), replaced whole under {@code this}; null until the first. */
    private volatile Object[] handlers;

    private volatile SocketHooks hooks;
    private volatile SocketAcks acks;
    private volatile Map<String, Object> data;
    private volatile DurableDelivery.Identity durable;
    private volatile DedupWindow dedup; // on the first keyed event, with deduplication on
    private volatile boolean closing; // set once, by CLOSING's compareAndSet: whoever sets it settles the reason
    private volatile CompletableFuture<Void> left; // from the close on: completes once out of its rooms and namespace
    private volatile boolean connected;

    DefaultSocket(
            String id,
            String pid,
            boolean recovered,
            DefaultNamespace namespace,
            ClientConnection connection,
            ObjectNode auth,
            SocketIoRuntime runtime) {
        this.id = id;
        this.pid = pid;
        this.recovered = recovered;
        this.namespace = namespace;
        this.connection = connection;
        this.auth = auth;
        this.runtime = runtime;
        this.lane = new HandlerLane(runtime.executor(), runtime.settings().maxQueuedEventsPerSocket());
    }

    HandlerLane lane() {
        return lane;
    }

    DefaultNamespace defaultNamespace() {
        return namespace;
    }

    String pid() {
        return pid;
    }

    /** The durable identity found in the handshake, or null for an anonymous socket. */
    String durableIdentity() {
        DurableDelivery.Identity d = durable;
        return d == null ? null : d.clientId;
    }

    /** The durable identity this socket is online as, or null. */
    DurableDelivery.Identity durable() {
        return durable;
    }

    void durable(DurableDelivery.Identity identity) {
        this.durable = identity;
    }

    /** Called on the connection's loop once middlewares accepted the socket. */
    void onConnected() {
        connected = true;
        namespace.add(this);
        connection.sendConnectReply(this);
        startDurableDelivery();
        lane.execute(() -> namespace.runConnectionHandlers(this));
    }

    private void startDurableDelivery() {
        DurableDelivery queues = runtime.durable();
        if (queues != null) {
            queues.onConnected(this);
        }
    }

    /**
     * Connection state recovery, in the restore's turn in the {@link io.courier.recovery.RecoveryOutbox}, on the
     * thread that drains it: the socket joins its namespace and its saved rooms and counts as connected, so every
     * packet fanned out after this turn reaches it. Those packets are sent through its loop, behind what the caller
     * queues there next ({@link #onRecovered}). Thread-safe: the namespace's map and the room index are.
     */
    void rejoin(SavedSession session) {
        connected = true;
        namespace.add(this);
        namespace.adapter().addAll(id, session.rooms());
    }

    /**
     * Called on the connection's loop after {@link #rejoin}, before any packet fanned out after the restore's turn:
     * the data comes back and the events the socket missed are queued before the CONNECT reply, as the reference
     * server does (the client delivers them just before its {@code connect} event).
     */
    void onRecovered(SavedSession session, List<LoggedPacket> missed) {
        if (!session.data().isEmpty()) {
            data().putAll(session.data());
        }
        if (runtime.deduplicator() != null) {
            dedup = runtime.deduplicator().unpark(pid);
        }
        for (LoggedPacket p : missed) {
            send(OutboundPacket.encode(SocketIoPacket.event(namespace.name(), p.data()), runtime.encoder()), false);
        }
        connection.sendConnectReply(this);
        startDurableDelivery();
        lane.execute(() -> namespace.runConnectionHandlers(this));
    }

    /**
     * Called on the connection's loop after {@link #rejoin} when the connection closed before the restore ended: the
     * socket leaves again without a trace. Its saved session stays in the store, so the client can try again from the
     * same offset.
     */
    /**
     * Null until the socket starts leaving; then a future that completes once it has left its rooms and its namespace
     * (on its lane, after its disconnecting handlers). A socket that restores its session under the same id waits for
     * it, or the rooms this one drops then would be the restored socket's.
     */
    CompletableFuture<Void> left() {
        return left;
    }

    void abandon() {
        connected = false;
        namespace.adapter().delAll(id);
        namespace.remove(this);
    }

    // ---- inbound, from the connection's loop --------------------------------------------------------------------

    /** Queues an EVENT for the handlers; false if the lane is full. */
    boolean onEvent(SocketIoPacket packet) {
        runtime.stats().eventIn();
        ArrayNode array = (ArrayNode) packet.data();
        String event = array.get(0).asText();
        List<JsonNode> args = eventArgs(array);
        long ackId = packet.ackId();
        EventArgs eventArgs = new EventArgs(args, runtime.mapper());
        Runnable task = () -> dispatch(event, eventArgs, ackId);
        if (runsInline(event) && lane.claim()) {
            // the lane is ours; what earlier tasks sent may still wait in the loop's queue, and must go out first
            if (loopHasNoTasks()) {
                lane.runClaimed(task);
            } else {
                lane.queueClaimed(task);
            }
            return true;
        }
        return lane.offer(task);
    }

    /**
     * The arguments of an EVENT's array (after its name), as an immutable list that {@link EventArgs} keeps without
     * copying: no {@code ArrayList} to be copied again, and for the usual one or two arguments no array at all.
     */
    static List<JsonNode> eventArgs(ArrayNode array) {
        return switch (array.size()) {
            case 0, 1 -> List.of();
            case 2 -> List.of(array.get(1));
            case 3 -> List.of(array.get(1), array.get(2));
            default -> {
                JsonNode[] values = new JsonNode[array.size() - 1];
                for (int i = 0; i < values.length; i++) {
                    values[i] = array.get(i + 1);
                }
                yield List.of(values);
            }
        };
    }

    /**
     * Whether nothing waits in the event loop's task queue: no packet that another thread sent (an earlier handler's
     * ack or emit hops to the loop) can then be overtaken by what an inline listener writes at once.
     */
    private boolean loopHasNoTasks() {
        return SocketIoRuntime.noTasksQueued(eventLoop());
    }

    /**
     * Whether {@code event} may run on the event loop: every one of its handlers was added with {@link #onInline}, no
     * {@code onAny} listener (they may block) and no deduplication (it runs first, on the lane) stand in the way.
     */
    private boolean runsInline(String event) {
        Object found = EventHandlers.find(handlers, event);
        if (found == null || runtime.deduplicator() != null) {
            return false;
        }
        SocketHooks hs = hooks;
        if (hs != null && !hs.any.isEmpty()) {
            return false;
        }
        if (found instanceof EventHandler[] several) {
            for (EventHandler h : several) {
                if (!(h instanceof InlineHandler)) {
                    return false;
                }
            }
            return true;
        }
        return found instanceof InlineHandler;
    }

    void onAck(SocketIoPacket packet) {
        JsonNode data = packet.data(); // an array (PacketRules)
        List<JsonNode> args;
        if (data.isEmpty()) {
            args = List.of();
        } else {
            JsonNode[] values = new JsonNode[data.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = data.get(i);
            }
            args = List.of(values); // immutable: EventArgs keeps it without copying
        }
        onAck(packet.ackId(), args);
    }

    /** The client's ack for {@code ackId} with {@code args}, on the socket's event loop (see ClientConnection). */
    void onAck(long ackId, List<JsonNode> args) {
        SocketAcks a = acks;
        AckCallback cb = a == null ? null : a.take(ackId);
        if (cb != null) {
            lane.execute(() -> cb.onAck(args));
            return;
        }
        DurableDelivery pumps = durable == null ? null : runtime.durable();
        if (pumps != null) {
            pumps.onLoopAck(this, ackId, args); // a durable delivery's, found (or not) by its pump
        } else {
            log.debug("socket {}: ack for unknown id {} ignored", id, ackId);
        }
    }

    private void dispatch(String event, EventArgs args, long ackId) {
        DedupWindow.Entry first = null;
        if (runtime.deduplicator() != null) {
            first = runtime.deduplicator().admit(this, event, args, ackId);
            if (first == DedupWindow.DUPLICATE) {
                return;
            }
        }
        Ack ack = ackId >= 0 ? new SocketAck(ackId, first) : NO_ACK;
        SocketHooks hs = hooks;
        if (hs != null) {
            hs.incoming(event, args);
        }
        Object found = EventHandlers.find(handlers, event);
        if (found instanceof EventHandler h) {
            handle(h, event, args, ack);
        } else if (found instanceof EventHandler[] several) {
            for (EventHandler h : several) {
                handle(h, event, args, ack);
            }
        }
    }

    private void handle(EventHandler h, String event, EventArgs args, Ack ack) {
        try {
            h.handle(args, ack);
        } catch (Exception e) {
            log.warn("socket {}: handler of event '{}' failed", id, event, e);
        }
    }

    // ---- public API ---------------------------------------------------------------------------------------------

    @Override
    public String id() {
        return id;
    }

    @Override
    public Namespace namespace() {
        return namespace;
    }

    @Override
    public Handshake handshake() {
        // made on each call from what the connection keeps anyway: a socket does not hold a copy of its fields
        return connection.handshake(auth);
    }

    @Override
    public Set<String> rooms() {
        return namespace.adapter().socketRooms(id);
    }

    /** Socket.IO's handshake shape and the data as JSON (null when it cannot be written as JSON). */
    @Override
    public SocketDetails describe() {
        Handshake handshake = handshake();
        ObjectNode h = runtime.mapper().createObjectNode();
        h.set("headers", runtime.mapper().valueToTree(handshake.headers()));
        h.put("time", handshake.issued().toString());
        h.put(
                "address",
                handshake.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                        ? a.getAddress().getHostAddress()
                        : handshake.address());
        h.put("xdomain", handshake.headers().containsKey("origin"));
        h.put("secure", handshake.secure());
        h.put("issued", handshake.issued().toEpochMilli());
        h.put("url", handshake.url());
        h.set("query", runtime.mapper().valueToTree(handshake.query()));
        h.set("auth", handshake.auth());
        JsonNode d;
        try {
            d = data == null ? NullNode.getInstance() : runtime.mapper().valueToTree(data);
        } catch (IllegalArgumentException notJson) {
            d = NullNode.getInstance();
        }
        return new SocketDetails(id, rooms(), h, d);
    }

    @Override
    public Map<String, Object> data() {
        Map<String, Object> d = data;
        if (d == null) {
            synchronized (this) {
                d = data;
                if (d == null) {
                    d = new ConcurrentHashMap<>();
                    data = d;
                }
            }
        }
        return d;
    }

    @Override
    public boolean connected() {
        return connected;
    }

    @Override
    public boolean recovered() {
        return recovered;
    }

    @Override
    public String connectionId() {
        return connection.session().sid();
    }

    @Override
    public String transport() {
        return connection.session().transportName();
    }

    @Override
    public Socket on(String event, EventHandler handler) {
        synchronized (this) {
            handlers = EventHandlers.with(handlers, event, handler);
        }
        return this;
    }

    @Override
    public Socket onInline(String event, EventHandler handler) {
        return on(event, new InlineHandler(Objects.requireNonNull(handler, "handler")));
    }

    @Override
    public <T> Socket on(String event, Class<T> type, DataHandler<T> handler) {
        return on(event, (args, ack) -> handler.handle(args.get(0, type), ack));
    }

    @Override
    public Socket off(String event) {
        synchronized (this) {
            handlers = EventHandlers.without(handlers, event);
        }
        return this;
    }

    @Override
    public Socket onAny(AnyEventHandler handler) {
        hooks().any.add(handler);
        return this;
    }

    @Override
    public Socket onAnyOutgoing(AnyEventHandler handler) {
        hooks().anyOutgoing.add(handler);
        return this;
    }

    @Override
    public Socket onDisconnect(DisconnectHandler handler) {
        hooks().disconnect.add(handler);
        return this;
    }

    @Override
    public Socket onDisconnecting(DisconnectHandler handler) {
        hooks().disconnecting.add(handler);
        return this;
    }

    @Override
    public boolean emit(String event, Object... args) {
        return new DirectEmitter(this, false, null).emit(event, args);
    }

    @Override
    public CompletableFuture<EventArgs> emitWithAck(String event, Object... args) {
        return new DirectEmitter(this, false, null).emitWithAck(event, args);
    }

    @Override
    public SocketEmitter timeout(Duration timeout) {
        return new DirectEmitter(this, false, null).timeout(timeout);
    }

    @Override
    public SocketEmitter droppable() {
        return new DirectEmitter(this, true, null);
    }

    @Override
    public SocketEmitter compress(boolean compress) {
        return new DirectEmitter(this, false, null, compress);
    }

    @Override
    public BroadcastOperator to(String... rooms) {
        return namespace.operator().to(rooms).except(id);
    }

    @Override
    public BroadcastOperator broadcast() {
        return namespace.operator().except(id);
    }

    @Override
    public BroadcastOperator except(String... rooms) {
        return namespace.operator().except(rooms).except(id);
    }

    @Override
    public void join(String... rooms) {
        namespace.adapter().addAll(id, Set.copyOf(Arrays.asList(rooms)));
    }

    @Override
    public void leave(String room) {
        namespace.adapter().del(id, room);
    }

    @Override
    public void disconnect(boolean close) {
        if (!connected) {
            return;
        }
        if (close) {
            connection.disconnectAll();
        } else if (CLOSING.compareAndSet(this, false, true)) {
            // the reason is settled before the DISCONNECT goes out: a client whose last socket this was closes its
            // connection on receiving it, and that transport close must not be taken for the reason
            send(OutboundPacket.encode(SocketIoPacket.disconnect(namespace.name()), runtime.encoder()), false);
            connection.remove(this);
            closed(DisconnectReason.SERVER_NAMESPACE_DISCONNECT);
        }
    }

    // ---- Member (adapter delivery) ------------------------------------------------------------------------------

    @Override
    public void deliver(OutboundPacket packet, boolean droppable, AckCallback ack) {
        if (ack != null) {
            expectAck(packet, ack);
        }
        send(packet, droppable);
    }

    /** Registers the callback for the packet's ack id before the packet is sent. */
    void expectAck(OutboundPacket packet, AckCallback ack) {
        acks().expect(packet.packet().ackId(), ack);
    }

    /** The event loop that owns this socket's connection. */
    io.netty.channel.EventLoop eventLoop() {
        return connection.session().eventLoop();
    }

    void send(OutboundPacket packet, boolean droppable) {
        if (connected) {
            countOut(packet);
            connection.send(packet, droppable);
        }
    }

    private void countOut(OutboundPacket packet) {
        if (packet.packet().type() == io.courier.protocol.SocketIoPacketType.EVENT
                || packet.packet().type() == io.courier.protocol.SocketIoPacketType.BINARY_EVENT) {
            runtime.stats().eventOut();
        }
    }

    /** Sends several packets, in order, with one hop to the event loop. */
    void sendAll(List<OutboundPacket> packets) {
        if (connected) {
            packets.forEach(this::countOut);
            connection.sendAll(packets);
        }
    }

    /** Leaves the namespace for {@code reason}; idempotent. Handlers run on the lane. */
    void onClose(DisconnectReason reason) {
        if (CLOSING.compareAndSet(this, false, true)) {
            closed(reason);
        }
    }

    /** The close, once its reason is settled (by whoever set {@code closing}). */
    private void closed(DisconnectReason reason) {
        // before the save: whoever restores the session and finds this socket still in the namespace waits for it
        CompletableFuture<Void> leaving = new CompletableFuture<>();
        left = leaving;
        // saved at once, not on the lane: at shutdown the store closes right after the event loops drain
        RecoveryStore recovery = runtime.recovery();
        Deduplicator deduplicator = runtime.deduplicator();
        if (recovery != null && pid != null && reason.recoverable()) {
            if (deduplicator != null) {
                deduplicator.park(pid, dedupWindow()); // before the save: whoever restores the session finds it
            }
            Map<String, Object> d = data;
            SavedSession saved = new SavedSession(
                    id, pid, namespace.name(), rooms(), d == null ? Map.of() : d, System.currentTimeMillis());
            try {
                recovery.save(saved).whenComplete((v, error) -> {
                    if (error != null) {
                        log.warn("socket {}: its session was not saved for recovery: {}", id, error.toString());
                    }
                });
            } catch (RuntimeException e) {
                log.warn("socket {}: its session was not saved for recovery: {}", id, e.toString());
            }
        } else if (dedup != null) {
            dedup.clear();
        }
        DurableDelivery pumps = runtime.durable();
        if (pumps != null) {
            pumps.beforeClosed(this); // the durable acks its loop read so far go to their lanes first
        }
        lane.execute(() -> {
            // on the lane, after the acks that arrived before the close: they move the durable cursors first
            DurableDelivery queues = runtime.durable();
            if (queues != null) {
                queues.onClosed(this);
            }
            SocketHooks hs = hooks;
            if (hs != null) {
                hs.disconnecting(reason);
            }
            namespace.adapter().delAll(id);
            namespace.remove(this);
            leaving.complete(null);
            connected = false;
            SocketAcks a = acks;
            if (a != null) {
                a.failAll();
            }
            if (hs != null) {
                hs.disconnected(reason);
            }
        });
    }

    /** Tells the onAnyOutgoing listeners of an event this socket sends ({@code data} is {@code [event, ...args]}). */
    void notifyOutgoing(String event, ArrayNode data) {
        SocketHooks hs = hooks;
        if (hs != null) {
            hs.outgoing(event, data);
        }
    }

    /** This socket's deduplication window, created on first use. */
    DedupWindow dedupWindow() {
        DedupWindow w = dedup;
        if (w == null) {
            synchronized (this) {
                w = dedup;
                if (w == null) {
                    w = runtime.deduplicator().newWindow();
                    dedup = w;
                }
            }
        }
        return w;
    }

    /**
     * Sends an ACK packet for {@code ackId}; safe from any thread. With connection state recovery on, after the
     * events emitted before it are logged ({@link RecoveryOutbox#after}): a client that acts on the ack finds them in
     * the log before anything it causes.
     */
    void sendAck(long ackId, ArrayNode data) {
        OutboundPacket ack =
                OutboundPacket.encode(SocketIoPacket.ack(namespace.name(), ackId, data), runtime.encoder());
        RecoveryOutbox outbox = runtime.outbox();
        if (outbox == null) {
            send(ack, false);
        } else {
            outbox.after(() -> send(ack, false));
        }
    }

    private SocketHooks hooks() {
        SocketHooks h = hooks;
        if (h == null) {
            synchronized (this) {
                h = hooks;
                if (h == null) {
                    h = new SocketHooks(id, runtime);
                    hooks = h;
                }
            }
        }
        return h;
    }

    SocketAcks acks() {
        SocketAcks a = acks;
        if (a == null) {
            synchronized (this) {
                a = acks;
                if (a == null) {
                    a = new SocketAcks(runtime, lane);
                    acks = a;
                }
            }
        }
        return a;
    }

    SocketIoRuntime runtime() {
        return runtime;
    }

    /** A handler added with {@link #onInline}: quick and non-blocking, so it may run on the event loop. */
    private record InlineHandler(EventHandler handler) implements EventHandler {
        @Override
        public void handle(EventArgs args, Ack ack) throws Exception {
            handler.handle(args, ack);
        }
    }

    /**
     * An ack callback that runs on the event loop that read the ack (it must only hand the work over, e.g. to a
     * lane), saving the hop through this socket's handler lane.
     */
    @Override
    public String toString() {
        return "Socket[" + id + " " + namespace.name() + "]";
    }

    private static final Ack NO_ACK = new Ack() {
        @Override
        public boolean requested() {
            return false;
        }

        @Override
        public void reply(Object... args) {}
    };

    private final class SocketAck implements Ack {
        private final long ackId;
        private final DedupWindow.Entry first; // the event's deduplication entry, or null
        private volatile boolean sent; // set once (ACK_SENT): the first reply wins; no AtomicBoolean per event

        SocketAck(long ackId, DedupWindow.Entry first) {
            this.ackId = ackId;
            this.first = first;
        }

        @Override
        public boolean requested() {
            return true;
        }

        @Override
        public void reply(Object... args) {
            if (ACK_SENT.compareAndSet(this, false, true)) {
                ArrayNode data = JsonCodec.toArray(null, args);
                sendAck(ackId, data);
                if (first != null) {
                    first.replied(data);
                }
            }
        }
    }
}
