package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.DurableQueues;
import io.courier.Handshake;
import io.courier.Socket;
import io.courier.adapter.OutboundPacket;
import io.courier.durable.ChannelStats;
import io.courier.durable.MessageStore;
import io.courier.durable.StoredMessage;
import io.courier.json.Attachments;
import io.courier.json.JsonCodec;
import io.courier.protocol.SocketIoPacket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers durable channels to the sockets of durable identities (see {@link DurableQueues} for the contract).
 *
 * <p>Threading: each channel belongs to one of {@value #LANES} serial lanes (by hash) on the handler executor. A
 * channel's fan-out, its subscribers' store reads, acknowledgements and (de)activations all run on its lane, so a
 * subscriber's deliveries of one channel are ordered without locks; store reads may block (the lane is not an event
 * loop). A published message goes from the store's writer thread to its lane in the store's completion order.
 *
 * <p>Each (identity, channel) online has a {@link Pump}: its cursor (acknowledged prefix), the deliveries in flight
 * (at most the window) and whether it is caught up ("live"). A live pump gets each new message as the packet encoded
 * once for all live subscribers; a pump that is behind (window full, or just connected) reads from the store after the
 * last message it sent until it is caught up again.
 */
final class DurableDelivery implements DurableQueues, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DurableDelivery.class);
    private static final int LANES = 16;
    /** Encoded deliveries kept per channel for subscribers catching up (at most, and within the byte budget). */
    private static final int RECENT_MAX = 512;

    private static final long RECENT_BUDGET_BYTES = 64L << 20;
    private static final ObjectMapper JSON = JsonCodec.mapper();

    private final SocketIoRuntime runtime;
    private final MessageStore store;
    private final DefaultNamespace namespace;
    private final Function<Handshake, String> identityResolver;
    private final int window;
    private final HandlerLane[] lanes = new HandlerLane[LANES];
    private final Object[] publishLocks = new Object[LANES];
    private final Map<String, Identity> online = new ConcurrentHashMap<>();
    private final Map<String, Set<Pump>> livePumps = new ConcurrentHashMap<>(); // per channel, touched on its lane
    private final Map<String, Recent> recent = new ConcurrentHashMap<>(); // per channel, touched on its lane
    private final AtomicLong recentBytes = new AtomicLong();
    private final ScheduledExecutorService maintenance;

    DurableDelivery(
            SocketIoRuntime runtime,
            MessageStore store,
            String namespace,
            Function<Handshake, String> identityResolver,
            int window,
            Duration maintenanceInterval) {
        this.runtime = runtime;
        this.store = store;
        this.namespace = runtime.namespace(namespace);
        this.identityResolver = identityResolver;
        this.window = window;
        for (int i = 0; i < LANES; i++) {
            lanes[i] = new HandlerLane(runtime.executor(), Integer.MAX_VALUE);
            publishLocks[i] = new Object();
        }
        this.maintenance = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("courier-durable-maintenance").daemon().factory());
        long every = maintenanceInterval.toMillis();
        maintenance.scheduleWithFixedDelay(this::maintain, every, every, TimeUnit.MILLISECONDS);
    }

    private void maintain() {
        try {
            store.maintain(System.currentTimeMillis());
        } catch (RuntimeException e) {
            log.warn("durable store maintenance failed: {}", e.toString());
        }
    }

    MessageStore store() {
        return store;
    }

    // ---- public API ---------------------------------------------------------------------------------------------

    @Override
    public Optional<String> identity(Socket socket) {
        return socket instanceof DefaultSocket s ? Optional.ofNullable(s.durableIdentity()) : Optional.empty();
    }

    @Override
    public CompletableFuture<Void> subscribe(String clientId, String channel) {
        checkChannel(channel);
        return subscribeAny(clientId, channel);
    }

    private CompletableFuture<Void> subscribeAny(String clientId, String channel) {
        return store.subscribe(clientId, channel).thenAccept(cursor -> {
            Identity identity = online.get(clientId);
            if (identity != null) {
                lane(channel).execute(() -> attach(identity, channel, cursor));
            }
        });
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String clientId, String channel) {
        return store.unsubscribe(clientId, channel).thenAccept(ok -> {
            Identity identity = online.get(clientId);
            if (identity != null) {
                lane(channel).execute(() -> {
                    Pump pump = identity.pumps.remove(channel);
                    if (pump != null) {
                        deactivate(pump);
                    }
                });
            }
        });
    }

    @Override
    public Set<String> subscriptions(String clientId) {
        return store.subscriptions(clientId).keySet();
    }

    @Override
    public CompletableFuture<Published> publish(String channel, String event, Object... args) {
        checkChannel(channel);
        return publishAny(channel, JsonCodec.toArray(event, args));
    }

    @Override
    public CompletableFuture<Published> sendTo(String clientId, String event, Object... args) {
        String channel = directChannel(clientId);
        ArrayNode data = JsonCodec.toArray(event, args);
        return store.subscribe(clientId, channel).thenCompose(cursor -> publishAny(channel, data));
    }

    @Override
    public Optional<ChannelStats> channel(String channel) {
        return store.stats(channel);
    }

    private CompletableFuture<Published> publishAny(String channel, ArrayNode data) {
        CompletableFuture<Published> result = new CompletableFuture<>();
        byte[] payload = encode(data);
        // append and attach under one lock per channel stripe: the fan-out tasks of a channel reach its lane in seq
        // order even when a write completes before its callback is attached
        synchronized (publishLocks[stripe(channel)]) {
            store.append(channel, payload).whenComplete((message, error) -> {
                if (error != null) {
                    Throwable cause =
                            error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    runtime.executor().execute(() -> result.completeExceptionally(cause));
                    return;
                }
                lane(channel).execute(() -> {
                    fanOut(message, data);
                    Published published = new Published(message.id(), channel, message.seq());
                    runtime.executor().execute(() -> result.complete(published));
                });
            });
        }
        return result;
    }

    // ---- sockets coming and going -------------------------------------------------------------------------------

    /** Called when a socket joined its namespace (on its loop, before its connection handlers run). */
    void onConnected(DefaultSocket socket) {
        if (socket.defaultNamespace() != namespace) {
            return;
        }
        String clientId;
        try {
            clientId = identityResolver.apply(socket.handshake());
        } catch (RuntimeException e) {
            log.warn("socket {}: durable identity resolver failed: {}", socket.id(), e.toString());
            return;
        }
        if (clientId == null || clientId.isEmpty() || clientId.length() > 1024) {
            return;
        }
        socket.durableIdentity(clientId);
        Identity identity = online.compute(clientId, (k, existing) -> {
            Identity i = existing == null ? new Identity(clientId) : existing;
            i.sockets.add(socket);
            return i;
        });
        String direct = directChannel(clientId);
        runtime.executor().execute(() -> {
            Map<String, Long> subscriptions = store.subscriptions(clientId);
            for (Map.Entry<String, Long> s : subscriptions.entrySet()) {
                lane(s.getKey()).execute(() -> attach(identity, s.getKey(), s.getValue()));
            }
            if (!subscriptions.containsKey(direct)) {
                subscribeAny(clientId, direct).exceptionally(e -> {
                    log.warn("{}: direct channel not subscribed: {}", clientId, e.toString());
                    return null;
                });
            }
        });
    }

    /** Called when a socket left (any thread). */
    void onClosed(DefaultSocket socket) {
        String clientId = socket.durableIdentity();
        if (clientId == null) {
            return;
        }
        Identity[] remaining = new Identity[1];
        online.computeIfPresent(clientId, (k, identity) -> {
            identity.sockets.remove(socket);
            remaining[0] = identity;
            return identity.sockets.isEmpty() ? null : identity;
        });
        Identity identity = remaining[0];
        if (identity == null) {
            return;
        }
        for (Pump pump : identity.pumps.values()) {
            lane(pump.channel).execute(() -> {
                if (pump.socket == socket) {
                    DefaultSocket next = identity.newestSocket();
                    if (next == null) {
                        deactivate(pump);
                    } else {
                        activate(pump, next);
                    }
                }
            });
        }
    }

    // ---- on a channel's lane ------------------------------------------------------------------------------------

    private void attach(Identity identity, String channel, long cursor) {
        DefaultSocket socket = identity.newestSocket();
        if (socket == null || identity.pumps.containsKey(channel) && identity.pumps.get(channel).socket == socket) {
            return;
        }
        Pump pump = identity.pumps.computeIfAbsent(channel, c -> new Pump(identity.clientId, c, cursor));
        activate(pump, socket);
    }

    private void activate(Pump pump, DefaultSocket socket) {
        pump.socket = socket;
        pump.generation++;
        pump.inFlight.clear();
        pump.sent = pump.cursor;
        pump.live = false;
        livePumps
                .computeIfAbsent(pump.channel, c -> ConcurrentHashMap.newKeySet())
                .add(pump);
        long expired = store.expiredThrough(pump.channel);
        if (pump.cursor < expired) {
            sendGap(pump, pump.cursor + 1, expired);
        }
        fill(pump);
    }

    private void deactivate(Pump pump) {
        pump.socket = null;
        pump.generation++;
        pump.inFlight.clear();
        pump.live = false;
        Set<Pump> pumps = livePumps.get(pump.channel);
        if (pumps != null) {
            pumps.remove(pump);
            if (pumps.isEmpty()) {
                dropRecent(pump.channel);
            }
        }
    }

    /**
     * Sends the messages after the last one sent until the window is full or the pump is caught up: from the recent
     * deliveries of the channel when they reach back far enough (no store read, no new encoding), else from the store.
     */
    private void fill(Pump pump) {
        while (pump.socket != null && pump.inFlight.size() < window) {
            Recent r = recent.get(pump.channel);
            if (r != null && !r.entries.isEmpty() && r.entries.peekFirst().seq <= pump.sent + 1) {
                for (Encoded e : r.entries) {
                    if (pump.inFlight.size() >= window) {
                        return;
                    }
                    if (e.seq > pump.sent) {
                        send(pump, e.seq, e.packet);
                    }
                }
                pump.live = true; // the newest fanned-out message was sent: from now on the fan-out feeds this pump
                return;
            }
            int room = window - pump.inFlight.size();
            List<StoredMessage> messages = store.readAfter(pump.channel, pump.sent, room);
            for (StoredMessage m : messages) {
                if (m.lost()) {
                    sendGap(pump, pump.sent + 1, m.seq());
                } else {
                    send(pump, m.seq(), encodeDelivery(m.channel(), m.id(), m.seq(), decode(m.payload())));
                }
            }
            if (messages.size() < room) {
                pump.live = true;
                return;
            }
        }
    }

    private void fanOut(StoredMessage message, ArrayNode data) {
        Set<Pump> pumps = livePumps.get(message.channel());
        if (pumps == null || pumps.isEmpty()) {
            return;
        }
        OutboundPacket packet = encodeDelivery(message.channel(), message.id(), message.seq(), data);
        remember(message, packet);
        List<DefaultSocket> targets = new ArrayList<>(pumps.size());
        for (Pump pump : pumps) {
            if (message.seq() <= pump.sent || pump.socket == null) {
                continue;
            }
            if (!pump.live || pump.inFlight.size() >= window) {
                pump.live = false; // it catches up in fill() once acknowledgements make room
                continue;
            }
            expect(pump, message.seq(), packet);
            targets.add(pump.socket);
        }
        namespace.send(targets, packet, false);
    }

    /**
     * Keeps the delivery for pumps that are behind. The entries of a channel are always its newest fanned-out messages
     * without a gap: a message that does not fit the budget empties the channel's entries instead.
     */
    private void remember(StoredMessage message, OutboundPacket packet) {
        Recent r = recent.computeIfAbsent(message.channel(), c -> new Recent());
        int bytes = message.payload().length + 64;
        if (recentBytes.addAndGet(bytes) > RECENT_BUDGET_BYTES) {
            recentBytes.addAndGet(-bytes);
            dropRecent(message.channel());
            return;
        }
        r.entries.addLast(new Encoded(message.seq(), packet, bytes));
        while (r.entries.size() > RECENT_MAX) {
            recentBytes.addAndGet(-r.entries.pollFirst().bytes);
        }
    }

    private void dropRecent(String channel) {
        Recent r = recent.remove(channel);
        if (r != null) {
            for (Encoded e : r.entries) {
                recentBytes.addAndGet(-e.bytes);
            }
        }
    }

    private void send(Pump pump, long seq, OutboundPacket packet) {
        expect(pump, seq, packet);
        pump.socket.send(packet, false);
    }

    /** Records the delivery as in flight and registers its ack, which goes straight to the channel's lane. */
    private void expect(Pump pump, long seq, OutboundPacket packet) {
        int generation = pump.generation;
        pump.inFlight.add(new InFlight(seq));
        pump.sent = seq;
        pump.socket.expectAck(packet, new DefaultSocket.LoopAck() {
            @Override
            public void onAck(List<JsonNode> args) {
                lane(pump.channel).execute(() -> acked(pump, generation, seq));
            }
        });
    }

    private void sendGap(Pump pump, long fromSeq, long toSeq) {
        ObjectNode gap = JsonNodeFactory.instance
                .objectNode()
                .put("channel", pump.channel)
                .put("fromSeq", fromSeq)
                .put("toSeq", toSeq);
        ArrayNode data =
                JsonNodeFactory.instance.arrayNode().add(CONTINUITY_LOST).add(gap);
        send(pump, toSeq, encode(SocketIoPacket.event(namespace.name(), namespace.nextAckId(), data)));
        log.info("{}: continuity lost on {} for seq {}..{}", pump.clientId, pump.channel, fromSeq, toSeq);
    }

    private void acked(Pump pump, int generation, long seq) {
        if (generation != pump.generation) {
            return; // an ack from a connection that is gone: its deliveries are sent again anyway
        }
        for (InFlight f : pump.inFlight) {
            if (f.seq == seq) {
                f.acked = true;
                break;
            }
        }
        long cursor = pump.cursor;
        while (!pump.inFlight.isEmpty() && pump.inFlight.peekFirst().acked) {
            cursor = pump.inFlight.pollFirst().seq;
        }
        if (cursor > pump.cursor) {
            pump.cursor = cursor;
            store.commit(pump.clientId, pump.channel, cursor);
        }
        if (!pump.live) {
            fill(pump);
        }
    }

    // ---- encoding -----------------------------------------------------------------------------------------------

    private OutboundPacket encodeDelivery(String channel, String id, long seq, ArrayNode data) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode(data.size() + 1);
        out.addAll(data);
        out.add(JsonNodeFactory.instance
                .objectNode()
                .put("channel", channel)
                .put("id", id)
                .put("seq", seq));
        return encode(SocketIoPacket.event(namespace.name(), namespace.nextAckId(), out));
    }

    private OutboundPacket encode(SocketIoPacket packet) {
        return OutboundPacket.encode(packet, runtime.encoder());
    }

    /** The stored form of an event: {@code {"d": [event, args...] with placeholders, "b": [base64...]}}. */
    static byte[] encode(ArrayNode data) {
        List<byte[]> attachments = new ArrayList<>();
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.set("d", Attachments.extract(data, attachments));
        if (!attachments.isEmpty()) {
            ArrayNode b = n.putArray("b");
            attachments.forEach(b::add);
        }
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ArrayNode decode(byte[] payload) {
        try {
            JsonNode n = JSON.readTree(payload);
            List<byte[]> attachments = new ArrayList<>();
            for (JsonNode b : n.path("b")) {
                attachments.add(b.binaryValue());
            }
            return (ArrayNode) Attachments.restore(n.path("d"), attachments);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HandlerLane lane(String channel) {
        return lanes[stripe(channel)];
    }

    private static int stripe(String channel) {
        return Math.floorMod(channel.hashCode(), LANES);
    }

    static String directChannel(String clientId) {
        return "@" + clientId;
    }

    private static void checkChannel(String channel) {
        if (channel != null && channel.startsWith("@")) {
            throw new IllegalArgumentException(
                    "channel : \"" + channel + "\" (names starting with @ are direct channels: use sendTo)");
        }
    }

    @Override
    public void close() {
        maintenance.shutdownNow();
        try {
            maintenance.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }

    /** An identity with at least one socket online. */
    private static final class Identity {
        final String clientId;
        final List<DefaultSocket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Map<String, Pump> pumps = new ConcurrentHashMap<>();

        Identity(String clientId) {
            this.clientId = clientId;
        }

        DefaultSocket newestSocket() {
            int n = sockets.size();
            return n == 0 ? null : sockets.get(n - 1);
        }
    }

    /** One (identity, channel) while the identity is online; touched only on the channel's lane. */
    private static final class Pump {
        final String clientId;
        final String channel;
        final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        DefaultSocket socket;
        int generation;
        long cursor;
        long sent;
        boolean live;

        Pump(String clientId, String channel, long cursor) {
            this.clientId = clientId;
            this.channel = channel;
            this.cursor = cursor;
            this.sent = cursor;
        }
    }

    /** A channel's newest encoded deliveries, oldest first; touched only on the channel's lane. */
    private static final class Recent {
        final ArrayDeque<Encoded> entries = new ArrayDeque<>();
    }

    private record Encoded(long seq, OutboundPacket packet, int bytes) {}

    private static final class InFlight {
        final long seq;
        boolean acked;

        InFlight(long seq) {
            this.seq = seq;
        }
    }
}
