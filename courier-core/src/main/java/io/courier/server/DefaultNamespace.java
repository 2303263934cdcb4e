package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.courier.Ack;
import io.courier.AckTimeoutException;
import io.courier.BroadcastOperator;
import io.courier.ConnectionHandler;
import io.courier.ConnectionRefusedException;
import io.courier.EventArgs;
import io.courier.EventHandler;
import io.courier.Middleware;
import io.courier.Namespace;
import io.courier.Socket;
import io.courier.adapter.AckCallback;
import io.courier.adapter.Adapter;
import io.courier.adapter.AdapterTimeoutException;
import io.courier.adapter.Member;
import io.courier.adapter.MemberDirectory;
import io.courier.adapter.OutboundPacket;
import io.courier.json.JsonCodec;
import io.courier.protocol.SocketIoPacket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A static namespace, or a child of a {@link ParentNamespace}. */
public final class DefaultNamespace extends BroadcastingNamespace implements MemberDirectory {
    private static final Logger log = LoggerFactory.getLogger(DefaultNamespace.class);

    private final SocketIoRuntime runtime;
    private final String name;
    private final ParentNamespace parent;
    private final Adapter adapter;
    private final List<Middleware> middlewares = new CopyOnWriteArrayList<>();
    private final List<ConnectionHandler> connectionHandlers = new CopyOnWriteArrayList<>();
    private final Map<String, DefaultSocket> sockets = new ConcurrentHashMap<>();
    private final ServerSideHandlers serverSideHandlers = new ServerSideHandlers();
    private final AtomicLong ackIds = new AtomicLong();
    /** Bumped after every socket that joins or leaves {@link #sockets}: tells {@link #everyone} it is out of date. */
    private final AtomicInteger membership = new AtomicInteger();
    /** Every socket grouped by event loop, as of a membership version; built by the first io.emit after a change. */
    private volatile Everyone everyone;

    DefaultNamespace(SocketIoRuntime runtime, String name, ParentNamespace parent) {
        this.runtime = runtime;
        this.name = name;
        this.parent = parent;
        this.adapter = runtime.settings().adapterFactory().create(this);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Namespace use(Middleware middleware) {
        middlewares.add(middleware);
        return this;
    }

    @Override
    public Namespace onConnection(ConnectionHandler handler) {
        connectionHandlers.add(handler);
        return this;
    }

    @Override
    public Map<String, Socket> sockets() {
        return Collections.unmodifiableMap(sockets);
    }

    @Override
    public Adapter adapter() {
        return adapter;
    }

    @Override
    public Member member(String id) {
        return sockets.get(id);
    }

    @Override
    public Collection<? extends Member> members() {
        return sockets.values();
    }

    /**
     * Hands the packet to each target's session with one task per event loop rather than one per recipient: a
     * broadcast to N sockets queues at most one task on each loop, and each loop then writes the same shared bytes to
     * its own sessions.
     */
    @Override
    public void deliver(List<? extends Member> targets, OutboundPacket packet, boolean droppable, AckCallback ack) {
        if (targets.size() == 1) {
            targets.get(0).deliver(packet, droppable, ack);
            return;
        }
        ByEventLoop<DefaultSocket> byLoop = new ByEventLoop<>(16);
        for (Member m : targets) {
            DefaultSocket s = this.sockets.get(m.id());
            if (s == null) {
                continue; // left since the adapter matched it, or not one of ours
            }
            if (ack != null) {
                s.expectAck(packet, ack);
            }
            byLoop.add(s.eventLoop(), s);
        }
        send(byLoop, packet, droppable);
    }

    /**
     * Every socket of the namespace, grouped by event loop once for all the broadcasts until a socket joins or leaves
     * (a steady fan-out groups nobody; each loop walks its own array). A socket that joins during the call may or may
     * not get the packet, as with any broadcast that races a join; one that left is skipped by its own send.
     */
    @Override
    public void deliverToAll(OutboundPacket packet, boolean droppable) {
        int version = membership.get();
        Everyone e = everyone;
        if (e == null || e.version != version) {
            ByEventLoop<DefaultSocket> byLoop = new ByEventLoop<>(16);
            for (DefaultSocket s : sockets.values()) {
                byLoop.add(s.eventLoop(), s);
            }
            e = new Everyone(version, byLoop);
            everyone = e;
        }
        send(e.byLoop, packet, droppable);
    }

    /** The groups are never changed once built: sends on any loop may read them while the next broadcast starts. */
    private record Everyone(int version, ByEventLoop<DefaultSocket> byLoop) {}

    /** How many sockets the kept groups hold (0: none kept). For tests. */
    int groupedForBroadcast() {
        Everyone e = everyone;
        return e == null ? 0 : e.byLoop.size();
    }

    /** Sends the packet to every socket of {@code byLoop}, one task per event loop (a call on this thread's own). */
    private static void send(ByEventLoop<DefaultSocket> byLoop, OutboundPacket packet, boolean droppable) {
        byLoop.forEachOnLoop(true, s -> s.send(packet, droppable));
    }

    /** The server this namespace belongs to. For tests. */
    SocketIoRuntime runtime() {
        return runtime;
    }

    /** This node's socket with that id, or null. */
    DefaultSocket socket(String id) {
        return sockets.get(id);
    }

    @Override
    public boolean serverSideEmit(String event, Object... args) {
        EventNames.checkEmittable(event);
        adapter.serverSideEmit(toList(JsonCodec.toArray(event, args)));
        return true;
    }

    @Override
    public CompletableFuture<List<EventArgs>> serverSideEmitWithAck(String event, Object... args) {
        EventNames.checkEmittable(event);
        // completed off the adapter's thread (a cluster's I/O thread): what depends on it is user code
        return adapter.serverSideEmitWithAck(toList(JsonCodec.toArray(event, args)))
                .handleAsync(
                        (replies, error) -> {
                            Throwable cause = error instanceof CompletionException && error.getCause() != null
                                    ? error.getCause()
                                    : error;
                            if (cause instanceof AdapterTimeoutException t) {
                                List<EventArgs> partial = new ArrayList<>();
                                for (Object reply : t.partial()) {
                                    if (reply instanceof List<?> l) {
                                        partial.add(eventArgs(l));
                                    }
                                }
                                throw new CompletionException(new AckTimeoutException(partial));
                            }
                            if (cause != null) {
                                throw cause instanceof CompletionException c ? c : new CompletionException(cause);
                            }
                            List<EventArgs> out = new ArrayList<>(replies.size());
                            for (List<JsonNode> reply : replies) {
                                out.add(new EventArgs(reply, runtime.mapper()));
                            }
                            return out;
                        },
                        runtime.executor());
    }

    @Override
    public Namespace onServerSideEmit(String event, EventHandler handler) {
        serverSideHandlers.add(event, handler);
        return this;
    }

    /**
     * Runs the handlers of a peer's server-side emit on the handler executor. The first handler to reply answers the
     * peer; with no handler, or none that replies, the peer's request times out (as in socket.io).
     */
    @Override
    public void receiveServerSideEmit(List<JsonNode> data, AckCallback reply) {
        if (data.isEmpty() || !data.get(0).isTextual()) {
            log.info("server-side emit to {} from a peer ignored: it does not start with an event name", name);
            return;
        }
        String event = data.get(0).asText();
        List<EventHandler> handlers = new ArrayList<>();
        if (parent != null) {
            handlers.addAll(parent.serverSideHandlers.of(event));
        }
        handlers.addAll(serverSideHandlers.of(event));
        if (handlers.isEmpty()) {
            return;
        }
        EventArgs args = new EventArgs(data.subList(1, data.size()), runtime.mapper());
        AtomicBoolean replied = new AtomicBoolean();
        Ack ack = new Ack() {
            @Override
            public boolean requested() {
                return reply != null;
            }

            @Override
            public void reply(Object... values) {
                if (reply != null && replied.compareAndSet(false, true)) {
                    reply.onAck(toList(JsonCodec.toArray(null, values)));
                }
            }
        };
        runtime.executor().execute(() -> {
            for (EventHandler h : handlers) {
                try {
                    h.handle(args, ack);
                } catch (Exception e) {
                    log.warn("server-side event handler of namespace {} failed", name, e);
                }
            }
        });
    }

    private EventArgs eventArgs(List<?> values) {
        List<JsonNode> nodes = new ArrayList<>(values.size());
        for (Object v : values) {
            nodes.add(JsonCodec.toNode(v));
        }
        return new EventArgs(nodes, runtime.mapper());
    }

    private static List<JsonNode> toList(ArrayNode array) {
        List<JsonNode> out = new ArrayList<>(array.size());
        array.forEach(out::add);
        return out;
    }

    @Override
    public OutboundPacket encodeEvent(ArrayNode data, boolean withAck) {
        long ackId = withAck ? nextAckId() : SocketIoPacket.NO_ACK_ID;
        return OutboundPacket.encode(SocketIoPacket.event(name, ackId, data), runtime.encoder());
    }

    long nextAckId() {
        return ackIds.getAndIncrement();
    }

    void add(DefaultSocket socket) {
        sockets.put(socket.id(), socket);
        membershipChanged();
    }

    void remove(DefaultSocket socket) {
        if (sockets.remove(socket.id(), socket)) {
            membershipChanged();
        }
    }

    /** After the map changed: the next io.emit regroups (and the groups no longer keep a socket that left alive). */
    private void membershipChanged() {
        membership.incrementAndGet();
        everyone = null;
    }

    /** Whether a CONNECT to this namespace has middlewares to pass: its parent's or its own. */
    boolean hasMiddlewares() {
        return !middlewares.isEmpty() || (parent != null && !parent.middlewares.isEmpty());
    }

    /**
     * Runs the parent's and this namespace's middlewares in order on the socket's lane; {@code done} receives null on
     * success or the refusal.
     */
    void runMiddlewares(DefaultSocket socket, BiConsumer<DefaultSocket, ConnectionRefusedException> done) {
        List<Middleware> chain = new ArrayList<>();
        if (parent != null) {
            chain.addAll(parent.middlewares);
        }
        chain.addAll(middlewares);
        socket.lane().execute(() -> step(chain, 0, socket, done));
    }

    private void step(
            List<Middleware> chain,
            int i,
            DefaultSocket socket,
            BiConsumer<DefaultSocket, ConnectionRefusedException> done) {
        if (i == chain.size()) {
            done.accept(socket, null);
            return;
        }
        AtomicBoolean called = new AtomicBoolean();
        Middleware.Next next = new Middleware.Next() {
            @Override
            public void accept() {
                if (called.compareAndSet(false, true)) {
                    socket.lane().execute(() -> step(chain, i + 1, socket, done));
                }
            }

            @Override
            public void reject(String message, Object data) {
                if (called.compareAndSet(false, true)) {
                    done.accept(socket, new ConnectionRefusedException(message, data));
                }
            }
        };
        try {
            chain.get(i).handle(socket, next);
        } catch (ConnectionRefusedException e) {
            next.reject(e.getMessage(), e.data());
        } catch (Exception e) {
            log.warn("middleware of namespace {} failed", name, e);
            next.reject("server error", null);
        }
    }

    /** Runs the connection handlers (parent's first); called on the socket's lane. */
    void runConnectionHandlers(DefaultSocket socket) {
        if (parent != null) {
            runConnectionHandlers(parent.connectionHandlers, socket);
        }
        runConnectionHandlers(connectionHandlers, socket);
    }

    private void runConnectionHandlers(List<ConnectionHandler> handlers, DefaultSocket socket) {
        for (ConnectionHandler h : handlers) {
            try {
                h.onConnection(socket);
            } catch (Exception e) {
                log.warn("connection handler of namespace {} failed", name, e);
            }
        }
    }

    @Override
    BroadcastOperator operator() {
        List<DefaultNamespace> self = List.of(this);
        return new DefaultBroadcastOperator(runtime, () -> self);
    }
}
