package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
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
import io.courier.internal.HeldWakeUps;
import io.courier.json.JsonCodec;
import io.courier.protocol.SocketIoPacket;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers durable channels to the sockets of durable identities (see {@link DurableQueues} for the contract).
 *
 * <p>Threading: each identity belongs to one of {@value #LANES} serial lanes (by hash) on the handler executor. The
 * state of its pumps (deliveries, acknowledgements, activation) is touched on that lane only, so a subscriber's
 * deliveries of a channel are ordered without locks, and the work of one busy channel spreads over all lanes. A stored
 * message goes from the store's completion, in seq order, to each lane that has online subscribers of its channel; the
 * first lane to need it encodes it, once for all.
 *
 * <p>The store is asynchronous ({@link MessageStore}): nothing here waits for it. A lane task that needs the store
 * issues the call and continues with its result on the same lane: right away when the future is already complete (the
 * embedded stores), else in a lane task queued by the completion (a network store). Failed store calls are logged
 * once per streak and retried after a back-off; the messages stay in the store meanwhile.
 *
 * <p>Each (identity, channel) online has a {@link Pump}: its cursor (acknowledged prefix), the deliveries in flight
 * (at most the window) and whether it is caught up ("live"). A live pump gets each new message as the packet encoded
 * once for all live subscribers; a pump that is behind (window full, or just connected) reads from the store after the
 * last message it sent, one read at a time, until it is caught up again.
 */
final class DurableDelivery implements DurableQueues, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DurableDelivery.class);
    private static final int LANES = 16;
    /** Bytes of recent deliveries kept over all lanes; a delivery beyond it empties its channel's entries instead. */
    private static final long RECENT_BUDGET_BYTES = 64L << 20;
    /** First wait before a failed store call is tried again; it doubles up to {@link #RETRY_MAX_MILLIS}. */
    private static final long RETRY_FIRST_MILLIS = 100;

    private static final long RETRY_MAX_MILLIS = 10_000;
    /** Slots of {@link #ackChannels}: the channels of the last 65,536 ack ids the namespace gave out, at most. */
    static final int ACK_INDEX_SLOTS = 1 << 16;
    /**
     * Acks in a row of one identity for ids older than {@link #ackChannels} holds that no delivery in flight on their
     * socket has (made up, or repeated long after): each costs a look at every ring of the socket's pumps. Past this
     * many, such acks are dropped without a look until the identity goes offline (a delivery they would have settled
     * stays in flight and goes again on the next connection).
     */
    static final int MAX_OLD_ACK_MISSES = 64;

    private final SocketIoRuntime runtime;
    private final MessageStore store;
    private final DefaultNamespace namespace;
    private final Function<Handshake, String> identityResolver;
    private final int window;
    private final HandlerLane[] lanes = new HandlerLane[LANES];
    /**
     * The channel of each durable packet by its ack id ({@code id % ACK_INDEX_SLOTS}; a later packet takes the slot):
     * an ack id is its message's, for all recipients, so an ack finds its pump among the identity's channels at once
     * ({@link #pumpOf}). One entry per message, written before its packet goes to any loop.
     */
    private final AckChannel[] ackChannels = new AckChannel[ACK_INDEX_SLOTS];

    private final Object[] publishLocks = new Object[LANES];
    private final FanOuts[] fanOuts = new FanOuts[LANES];
    private final Map<String, Identity> online = new ConcurrentHashMap<>();
    // per lane, by channel: the online pumps of that lane (touched on the lane; read by the publish completion)
    private final Map<String, Set<Pump>>[] onlinePumps = newMaps();
    // per lane, by channel: those of them that are live, the ones a fan-out goes through (touched on the lane only)
    private final Map<String, LivePumps>[] livePumps = newMaps();
    private final Map<String, RecentDeliveries>[] recent = newMaps(); // per lane, by channel; touched on the lane
    private final AtomicLong recentBytes = new AtomicLong();
    private final ScheduledExecutorService maintenance; // also schedules the retries of failed store calls
    private final AtomicBoolean commitsFailing = new AtomicBoolean();
    /**
     * Each event loop's {@link LoopAcks}, in a thread-local of the loop's own (an array slot on Netty's threads): a map
     * by loop cost a hash lookup per ack.
     */
    private final FastThreadLocal<LoopAcks> loopAcks = new FastThreadLocal<>();
    /** The loops that have one, to clear it there on close (a loop may outlive this server: {@code Courier.attach}). */
    private final Set<EventLoop> ackLoops = ConcurrentHashMap.newKeySet();
    /**
     * Whether the store feeds every append, this node's and other nodes' (a store shared by a cluster): then fan-outs
     * come from that feed, in the store's seq order, and not from this node's appends.
     */
    private final boolean fedByStore;

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
            fanOuts[i] = new FanOuts(i);
        }
        this.maintenance = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("courier-durable-maintenance").daemon().factory());
        long every = maintenanceInterval.toMillis();
        maintenance.scheduleWithFixedDelay(this::maintain, every, every, TimeUnit.MILLISECONDS);
        // last: the store may call the feed at once
        this.fedByStore = store.feedAppends(new MessageStore.AppendListener() {
            @Override
            public void appended(StoredMessage message) {
                fanOutToLanes(new Delivery(message, null));
            }

            @Override
            public void missedSome() {
                catchUpFromStore();
            }
        });
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
        // completed on a handler thread, never on the store's writer thread (callers reply to clients from it)
        return store.subscribe(clientId, channel)
                .thenAcceptAsync(
                        cursor -> {
                            Identity identity = online.get(clientId);
                            if (identity != null) {
                                lane(clientId).execute(() -> attach(identity, channel, cursor));
                            }
                        },
                        runtime.executor());
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String clientId, String channel) {
        return store.unsubscribe(clientId, channel)
                .thenAcceptAsync(
                        ok -> {
                            Identity identity = online.get(clientId);
                            if (identity != null) {
                                lane(clientId).execute(() -> {
                                    Pump pump = identity.pumps.remove(channel);
                                    if (pump != null) {
                                        deactivate(pump);
                                    }
                                });
                            }
                        },
                        runtime.executor());
    }

    @Override
    public CompletableFuture<Set<String>> subscriptions(String clientId) {
        return offStoreThread(store.subscriptions(clientId)).thenApply(Map::keySet);
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
    public CompletableFuture<Optional<ChannelStats>> channel(String channel) {
        return offStoreThread(store.stats(channel));
    }

    /**
     * The store's future as the API hands it out: dependent actions run on the caller's thread when it is complete
     * already, else on a handler thread, never on a store's thread (callers reply to clients from them).
     */
    private <T> CompletableFuture<T> offStoreThread(CompletableFuture<T> answer) {
        return answer.isDone() ? answer : answer.whenCompleteAsync((v, e) -> {}, runtime.executor());
    }

    private CompletableFuture<Published> publishAny(String channel, ArrayNode data) {
        CompletableFuture<Published> result = new CompletableFuture<>();
        byte[] payload = StoredPayload.encode(data);
        // append and attach under one lock per channel stripe: the fan-out tasks of a channel reach the lanes in seq
        // order even when a write completes before its callback is attached
        synchronized (publishLocks[stripe(channel)]) {
            store.append(channel, payload).whenComplete((message, error) -> {
                if (error != null) {
                    Throwable cause = unwrap(error);
                    runtime.executor().execute(() -> result.completeExceptionally(cause));
                    return;
                }
                if (!fedByStore) {
                    fanOutToLanes(new Delivery(message, data));
                }
                Published published = new Published(message.id(), channel, message.seq());
                runtime.executor().execute(() -> result.complete(published));
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
        Identity identity = online.compute(clientId, (k, existing) -> {
            Identity i = existing == null ? new Identity(clientId) : existing;
            i.sockets.add(socket);
            return i;
        });
        socket.durable(identity);
        lane(clientId).execute(() -> attachAll(identity, socket, 0));
    }

    /**
     * On the identity's lane: attaches a pump per subscription of the identity (and subscribes it to its direct
     * channel), as long as {@code socket} is online; a failed read of the subscriptions is tried again.
     */
    private void attachAll(Identity identity, DefaultSocket socket, int failures) {
        if (!identity.sockets.contains(socket)) {
            return;
        }
        String clientId = identity.clientId;
        onLane(clientId, call(() -> store.subscriptions(clientId)), (subscriptions, error) -> {
            if (error != null) {
                if (failures == 0) {
                    log.warn(
                            "{}: subscriptions not read from the durable store ({}); retrying",
                            clientId,
                            error.toString());
                }
                retry(clientId, failures + 1, () -> attachAll(identity, socket, failures + 1));
                return;
            }
            if (failures > 0) {
                log.info("{}: subscriptions read from the durable store after {} failure(s)", clientId, failures);
            }
            for (Map.Entry<String, Long> s : subscriptions.entrySet()) {
                attach(identity, s.getKey(), s.getValue());
            }
            String direct = directChannel(clientId);
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
            lane(pump.clientId).execute(() -> {
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

    // ---- on the identity's lane ---------------------------------------------------------------------------------

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
        pump.loop = socket.eventLoop();
        pump.generation++;
        settled(pump.inFlight.clear());
        pump.sent = pump.cursor;
        setLive(pump, false);
        pump.storeCaughtUp = false;
        onlinePumps[stripe(pump.clientId)]
                .computeIfAbsent(pump.channel, c -> ConcurrentHashMap.newKeySet())
                .add(pump);
        fill(pump); // a retention gap after the cursor comes first, as a lost message read from the store
    }

    private void deactivate(Pump pump) {
        pump.socket = null;
        pump.loop = null;
        pump.generation++;
        settled(pump.inFlight.clear());
        setLive(pump, false);
        int part = stripe(pump.clientId);
        Set<Pump> pumps = onlinePumps[part].get(pump.channel);
        if (pumps != null) {
            pumps.remove(pump);
            if (pumps.isEmpty()) {
                // the channel leaves this lane (a direct channel with its identity): nothing of it is kept here
                onlinePumps[part].remove(pump.channel);
                livePumps[part].remove(pump.channel);
                dropRecent(part, pump.channel);
            }
        }
    }

    /**
     * Whether the fan-out feeds the pump (it is caught up) or it catches up in {@link #fill}: the fan-out goes through
     * the live pumps of its lane and channel only, so a message costs nothing for subscribers that are behind (most of
     * them while acknowledgements pace the pumps).
     */
    private void setLive(Pump pump, boolean live) {
        if (live == pump.live()) {
            return;
        }
        Map<String, LivePumps> byChannel = livePumps[stripe(pump.clientId)];
        if (live) {
            byChannel.computeIfAbsent(pump.channel, c -> new LivePumps()).add(pump);
        } else {
            byChannel.get(pump.channel).remove(pump);
        }
    }

    /**
     * Sends the messages after the last one sent until the window is full or the pump is caught up: from the recent
     * deliveries of the channel when they reach back far enough (no store read, no new encoding), else from the store,
     * one read at a time. A read the store answers later continues in {@link #readDone}, on the lane.
     *
     * <p>Caught up ("live") means every newer message reaches the pump by the fan-out: a read since the activation came
     * back short (everything stored before the pump joined the fan-out was sent) and no fan-out of this lane went past
     * the last message sent while the pump was not live (a read answered later may predate such a fan-out).
     */
    private void fill(Pump pump) {
        if (pump.reading) {
            return; // the read's completion goes on filling
        }
        List<OutboundPacket> batch = new ArrayList<>();
        try {
            int part = stripe(pump.clientId);
            while (pump.socket != null && pump.inFlight.size() < window) {
                RecentDeliveries r = recent[part].get(pump.channel);
                if (r != null && r.size > 0 && r.get(0).seq() <= pump.sent + 1) {
                    for (int i = r.indexAfter(pump.sent); i < r.size; i++) {
                        if (pump.inFlight.size() >= window) {
                            return;
                        }
                        RecentDeliveries.Encoded e = r.get(i);
                        batch.add(expect(pump, e.seq(), e.packet()));
                    }
                    setLive(pump, true); // the newest fanned-out message was sent: the fan-out feeds this pump now
                    return;
                }
                if (pump.storeCaughtUp && (r == null || r.fannedOut <= pump.sent)) {
                    setLive(pump, true);
                    return;
                }
                int room = window - pump.inFlight.size();
                CompletableFuture<List<StoredMessage>> read = read(pump, room);
                if (read.state() == Future.State.SUCCESS) {
                    take(pump, read.resultNow(), room, batch);
                    continue;
                }
                pump.reading = true;
                if (read.state() != Future.State.RUNNING) {
                    readFailed(pump, failureOf(read));
                    return;
                }
                int generation = pump.generation;
                long after = pump.sent;
                read.whenComplete((messages, error) ->
                        lane(pump.clientId).execute(() -> readDone(pump, generation, after, room, messages, error)));
                return;
            }
        } finally {
            send(pump, batch);
        }
    }

    private CompletableFuture<List<StoredMessage>> read(Pump pump, int room) {
        return call(() -> store.readAfter(pump.channel, pump.sent, room));
    }

    /** On the pump's lane: a read the store answered later (for the pump as it was when the read was made). */
    private void readDone(
            Pump pump, int generation, long after, int room, List<StoredMessage> messages, Throwable error) {
        pump.reading = false;
        if (generation != pump.generation || after != pump.sent) {
            fill(pump); // the pump moved to another socket meanwhile: read again from where it is now
            return;
        }
        if (error != null) {
            pump.reading = true;
            readFailed(pump, unwrap(error));
            return;
        }
        List<OutboundPacket> batch = new ArrayList<>();
        take(pump, messages, room, batch);
        send(pump, batch);
        fill(pump);
    }

    /** Puts what a read returned in flight, in seq order (a lost message as the continuity-lost event). */
    private void take(Pump pump, List<StoredMessage> messages, int room, List<OutboundPacket> batch) {
        if (pump.readFailures > 0) {
            log.info(
                    "{}: reading {} from the durable store works again after {} failure(s)",
                    pump.clientId,
                    pump.channel,
                    pump.readFailures);
            pump.readFailures = 0;
        }
        for (StoredMessage m : messages) {
            if (m.seq() <= pump.sent) {
                continue; // never twice, whatever the store returns
            }
            OutboundPacket packet = m.lost()
                    ? gap(pump, pump.sent + 1, m.seq())
                    : encodeDelivery(m.channel(), m.id(), m.seq(), StoredPayload.decode(m.payload()));
            batch.add(expect(pump, m.seq(), packet));
        }
        if (messages.size() < room) {
            pump.storeCaughtUp = true;
        }
    }

    /** A read failed: logged once per streak; the pump reads again after a back-off (while reading is still set). */
    private void readFailed(Pump pump, Throwable error) {
        pump.readFailures++;
        if (pump.readFailures == 1) {
            log.warn(
                    "{}: reading {} from the durable store failed ({}); retrying",
                    pump.clientId,
                    pump.channel,
                    error.toString());
        } else {
            log.debug("{}: reading {} failed again: {}", pump.clientId, pump.channel, error.toString());
        }
        retry(pump.clientId, pump.readFailures, () -> {
            pump.reading = false;
            fill(pump);
        });
    }

    /** Sends a pump's deliveries in order, with one hop to its socket's event loop. */
    private void send(Pump pump, List<OutboundPacket> batch) {
        if (batch.isEmpty()) {
            return;
        }
        runtime.stats().acksExpected(batch.size()); // in the ring: pending until acknowledged or cleared
        DefaultSocket socket = pump.socket;
        if (socket == null) {
            return;
        }
        try {
            // a task on the loop, as the fan-out's are: the pump's deliveries reach the loop in the order they went out
            socket.eventLoop().execute(() -> socket.sendAll(batch));
        } catch (RejectedExecutionException stopping) {
            // the loop is shutting down with its connections
        }
    }

    /**
     * Queues the fan-out of a stored message on every lane with online subscribers of its channel, in call order: with
     * the messages whose fan-out already waits for that lane ({@link FanOuts}), or in a new task of the lane.
     */
    private void fanOutToLanes(Delivery delivery) {
        String channel = delivery.message.channel();
        for (int part = 0; part < LANES; part++) {
            Set<Pump> pumps = onlinePumps[part].get(channel);
            if (pumps != null && !pumps.isEmpty()) {
                fanOuts[part].add(delivery);
            }
        }
    }

    /**
     * The stored messages waiting for one lane's fan-out, in seq order per channel. The first one queues a task on the
     * lane; what completes before that task runs joins it, so that when publishes complete faster than a lane fans
     * them out, the lane takes them several at a time (one wake-up, one task per event loop for all of them) without
     * ever waiting for more. Bounded by the publishes in flight: a message joins only once stored, and the lane drains
     * them all at each run.
     */
    private final class FanOuts implements Runnable {
        private final int part;
        private ArrayList<Delivery> waiting = new ArrayList<>(); // guarded by this
        private boolean queued; // guarded by this: the lane task is queued and has not taken them yet
        /**
         * Queues this on the lane; held while the journal's writer completes the rest of its batch ({@link
         * HeldWakeUps}), so that the lane takes the whole batch in one run rather than its first message alone.
         */
        private final Runnable wakeUp;

        FanOuts(int part) {
            this.part = part;
            this.wakeUp = () -> lanes[part].execute(this);
        }

        void add(Delivery delivery) {
            boolean queue;
            synchronized (this) {
                waiting.add(delivery);
                queue = !queued;
                queued = true;
            }
            if (queue) {
                HeldWakeUps.wakeUp(wakeUp);
            }
        }

        @Override
        public void run() {
            ArrayList<Delivery> batch;
            synchronized (this) {
                batch = waiting;
                waiting = new ArrayList<>(batch.size());
                queued = false;
            }
            fanOut(part, batch);
        }
    }

    /**
     * The store's feed may have lost appends: every online subscriber reads what it has not been sent from the store,
     * and the recent deliveries, which may now have holes, are dropped.
     */
    private void catchUpFromStore() {
        for (int part = 0; part < LANES; part++) {
            int p = part;
            lanes[part].execute(() -> {
                List.copyOf(recent[p].keySet()).forEach(channel -> dropRecent(p, channel));
                for (Set<Pump> pumps : onlinePumps[p].values()) {
                    for (Pump pump : List.copyOf(pumps)) {
                        pump.storeCaughtUp = false;
                        setLive(pump, false);
                        fill(pump);
                    }
                }
            });
        }
    }

    /**
     * On lane {@code part}: hands stored messages, in order, to that lane's live pumps of their channels, with one task
     * per event loop for all of them.
     */
    private void fanOut(int part, List<Delivery> deliveries) {
        ByEventLoop<DefaultSocket> targets = null;
        List<Pump> behind = null;
        int sent = 0;
        for (Delivery delivery : deliveries) {
            StoredMessage message = delivery.message;
            Set<Pump> pumps = onlinePumps[part].get(message.channel());
            if (pumps == null || pumps.isEmpty()) {
                continue;
            }
            OutboundPacket packet = delivery.packet();
            long ackId = packet.packet().ackId();
            remember(part, message, packet);
            LivePumps live = livePumps[part].get(message.channel());
            if (live == null || live.size == 0) {
                continue;
            }
            if (targets == null) { // a loop's array holds the first message's deliveries without regrowth
                targets = new ByEventLoop<>(live.size);
            }
            for (int i = live.size - 1; i >= 0; i--) { // backwards: setLive(false) moves the last one to i
                Pump pump = live.pumps[i];
                if (message.seq() <= pump.sent) {
                    continue;
                }
                if (message.seq() > pump.sent + 1) {
                    // never a silent gap: whatever was skipped comes from the recent deliveries or the store
                    setLive(pump, false);
                    behind = behind == null ? new ArrayList<>() : behind;
                    behind.add(pump);
                    continue;
                }
                if (pump.inFlight.size() >= window) {
                    setLive(pump, false); // it catches up in fill() once acknowledgements make room
                    continue;
                }
                expect(pump, message.seq(), ackId);
                targets.add(pump.loop, packet, pump.socket);
                sent++;
            }
        }
        if (targets != null) {
            runtime.stats().acksExpected(sent);
            send(targets);
        }
        if (behind != null) {
            behind.forEach(
                    this::fill); // after the fan-out's deliveries: a catching-up pump's next ones come after them
        }
    }

    /**
     * A stored message on its way to the lanes, encoded by the first lane that needs it, once for all; {@code data} is
     * null for a message the store fed (then its stored form is decoded).
     */
    private final class Delivery {
        final StoredMessage message;
        final ArrayNode data;
        private OutboundPacket packet;

        Delivery(StoredMessage message, ArrayNode data) {
            this.message = message;
            this.data = data;
        }

        synchronized OutboundPacket packet() {
            if (packet == null) {
                packet = encodeDelivery(
                        message.channel(),
                        message.id(),
                        message.seq(),
                        data != null ? data : StoredPayload.decode(message.payload()));
            }
            return packet;
        }
    }

    /**
     * Keeps the delivery for pumps that are behind. The entries of a channel are always its newest fanned-out messages
     * without a gap: a message that does not fit the budget empties the channel's entries instead.
     */
    private void remember(int part, StoredMessage message, OutboundPacket packet) {
        RecentDeliveries r = recent[part].computeIfAbsent(message.channel(), c -> new RecentDeliveries());
        r.fannedOut = message.seq();
        int bytes = message.payload().length + 64;
        if (recentBytes.addAndGet(bytes) > RECENT_BUDGET_BYTES) {
            recentBytes.addAndGet(-bytes);
            recentBytes.addAndGet(-r.clear());
            return;
        }
        RecentDeliveries.Encoded evicted = r.add(new RecentDeliveries.Encoded(message.seq(), packet, bytes));
        if (evicted != null) {
            recentBytes.addAndGet(-evicted.bytes());
        }
    }

    private void dropRecent(int part, String channel) {
        RecentDeliveries r = recent[part].remove(channel);
        if (r != null) {
            recentBytes.addAndGet(-r.clear());
        }
    }

    /**
     * Records the delivery as in flight, to be sent by the caller: in the pump's {@link InFlightRing}, with the ack id
     * its packet carries. Its ack, read on the socket's loop with no wait registered there, comes back to the pump's
     * lane ({@link #onLoopAck}), which finds it in the ring by that id.
     */
    private static OutboundPacket expect(Pump pump, long seq, OutboundPacket packet) {
        expect(pump, seq, packet.packet().ackId());
        return packet;
    }

    private static void expect(Pump pump, long seq, long ackId) {
        pump.inFlight.add(seq, ackId);
        pump.sent = seq;
    }

    /**
     * Sends deliveries from one lane, one task per event loop, queued behind what the loop already has (as {@link
     * #send(Pump, List)}'s batches are): each message's packet, then the sockets it goes to (the frame encoded once per
     * loop turn, {@code engine/OutboundTurn}); each connection is flushed once, at the end of the loop's turn, whatever
     * number of messages the task holds.
     */
    private static void send(ByEventLoop<DefaultSocket> deliveries) {
        deliveries.forEachOnLoopTogether(() -> new Consumer<>() {
            private OutboundPacket packet;

            @Override
            public void accept(Object item) {
                if (item instanceof OutboundPacket p) {
                    packet = p;
                } else {
                    ((DefaultSocket) item).send(packet, false);
                }
            }
        });
    }

    /** The continuity-lost event for {@code fromSeq..toSeq} (acknowledging it moves the cursor to {@code toSeq}). */
    private OutboundPacket gap(Pump pump, long fromSeq, long toSeq) {
        ObjectNode gap = JsonNodeFactory.instance
                .objectNode()
                .put("channel", pump.channel)
                .put("fromSeq", fromSeq)
                .put("toSeq", toSeq);
        ArrayNode data =
                JsonNodeFactory.instance.arrayNode().add(CONTINUITY_LOST).add(gap);
        log.info("{}: continuity lost on {} for seq {}..{}", pump.clientId, pump.channel, fromSeq, toSeq);
        return indexed(pump.channel, encode(SocketIoPacket.event(namespace.name(), namespace.nextAckId(), data)));
    }

    /**
     * On a lane: the acknowledgements an event loop read for it, in arrival order. Each is looked for among the
     * deliveries in flight to its socket (an ack from a connection the pump left, or for an id it does not hold, is
     * dropped: those deliveries go again anyway). Each touched pump moves its cursor to its acknowledged prefix once,
     * with one commit for all of them, then catches up if it was behind.
     */
    private void acked(List<DeliveryAck> acks) {
        List<Pump> touched = new ArrayList<>();
        int settled = 0;
        for (DeliveryAck a : acks) {
            // most acks are for the delivery after the one the identity's last ack was for: no lookup
            Pump pump = a.identity.lastAcked;
            int acknowledged =
                    pump != null && pump.socket == a.socket ? pump.inFlight.ackNext(a.ackId, a.cumulative) : -1;
            if (acknowledged < 0) {
                pump = pumpOf(a);
                acknowledged = pump != null ? pump.inFlight.ack(a.ackId, a.cumulative) : 0;
                if (acknowledged > 0) {
                    a.identity.lastAcked = pump;
                }
            }
            if (acknowledged > 0) {
                settled += acknowledged;
                if (!pump.ackSeen) {
                    pump.ackSeen = true;
                    touched.add(pump);
                }
            }
        }
        for (Pump pump : touched) {
            pump.ackSeen = false;
            long cursor = pump.inFlight.removeAcked(pump.cursor);
            if (cursor > pump.cursor) {
                pump.cursor = cursor;
                commit(pump.clientId, pump.channel, cursor);
            }
            if (!pump.live()) {
                fill(pump);
            }
        }
        settled(settled);
    }

    /**
     * The pump on the ack's socket whose channel the acknowledged packet was for: from {@link #ackChannels}, or for an
     * id older than what it holds, by a look at each of the identity's pumps on that socket. Null for an id the index
     * says no durable packet had (another ack's, or one never given out): dropped at the cost of one look.
     */
    private Pump pumpOf(DeliveryAck a) {
        AckChannel known = ackChannels[slot(a.ackId)];
        if (known != null && known.ackId == a.ackId) {
            Pump pump = a.identity.pumps.get(known.channel);
            return pump != null && pump.socket == a.socket ? pump : null;
        }
        if (known == null || known.ackId < a.ackId) {
            return null; // the slot would hold it: not a durable packet's id
        }
        Identity identity = a.identity;
        if (identity.oldAckMisses >= MAX_OLD_ACK_MISSES) {
            return null;
        }
        for (Pump pump : identity.pumps.values()) { // older than the index: its slot went to a later packet
            if (pump.socket == a.socket && pump.inFlight.holds(a.ackId)) {
                identity.oldAckMisses = 0;
                return pump;
            }
        }
        if (++identity.oldAckMisses == MAX_OLD_ACK_MISSES) {
            log.warn(
                    "{}: {} acks in a row for old ack ids no delivery in flight has; its acks of ids older than the"
                            + " last {} given out are dropped unread until it goes offline",
                    identity.clientId,
                    MAX_OLD_ACK_MISSES,
                    ACK_INDEX_SLOTS);
        }
        return null;
    }

    private static int slot(long ackId) {
        return (int) (ackId & (ACK_INDEX_SLOTS - 1));
    }

    /** Notes the channel of a durable packet in {@link #ackChannels}. */
    private OutboundPacket indexed(String channel, OutboundPacket packet) {
        long ackId = packet.packet().ackId();
        ackChannels[slot(ackId)] = new AckChannel(ackId, channel);
        return packet;
    }

    /** A slot of {@link #ackChannels}; immutable, so a lane that reads the slot sees both fields. */
    private record AckChannel(long ackId, String channel) {}

    private void settled(int acks) {
        if (acks > 0) {
            runtime.stats().acksSettled(acks);
        }
    }

    /** A client's ack for a durable delivery, read on its socket's loop, on its way to the identity's lane. */
    private record DeliveryAck(Identity identity, DefaultSocket socket, long ackId, boolean cumulative) {}

    /**
     * The acknowledgements one event loop read and has not handed over yet, by lane. The first one of a loop turn
     * queues {@link #run} on the loop, which runs after the reads of that turn and queues one task per lane with acks
     * (not one per ack): fewer lane wake-ups, one cursor commit per pump and turn. Touched on its loop only.
     */
    private final class LoopAcks implements Runnable {
        private final EventLoop loop;

        @SuppressWarnings("unchecked")
        private final List<DeliveryAck>[] byLane = new List[LANES];
        /** How many acks each lane got in the last turn that had some: the next list's capacity (no regrowth). */
        private final int[] lastCount = new int[LANES];

        private boolean queued;

        LoopAcks(EventLoop loop) {
            this.loop = loop;
        }

        void add(int part, DeliveryAck f) {
            List<DeliveryAck> l = byLane[part];
            if (l == null) {
                l = byLane[part] = new ArrayList<>(Math.max(16, lastCount[part]));
            }
            l.add(f);
            if (!queued) {
                queued = true;
                try {
                    loop.execute(this);
                } catch (RejectedExecutionException stopping) {
                    run(); // the loop is shutting down: hand them over now
                }
            }
        }

        /** Hands the gathered acks to their lanes; also before a socket of this loop closes (they come first). */
        @Override
        public void run() {
            queued = false;
            for (int part = 0; part < LANES; part++) {
                List<DeliveryAck> l = byLane[part];
                if (l != null && !l.isEmpty()) {
                    byLane[part] = null;
                    lastCount[part] = l.size();
                    lanes[part].execute(() -> acked(l));
                }
            }
        }
    }

    /** The ack argument {@code {"cumulative": true}}. */
    private static boolean isCumulative(JsonNode arg) {
        JsonNode flag = arg.get(CUMULATIVE);
        return flag != null && flag.isBoolean() && flag.booleanValue();
    }

    /**
     * Called on the event loop of a socket with a durable identity that read an ack no wait of the socket's own took:
     * an ack for a durable delivery, or for an id nobody waits for (dropped on the lane). Gathered with the loop's other
     * acks for the identity's lane ({@link LoopAcks}).
     */
    void onLoopAck(DefaultSocket socket, long ackId, List<JsonNode> args) {
        Identity identity = socket.durable();
        if (identity == null) {
            return;
        }
        DeliveryAck f = new DeliveryAck(identity, socket, ackId, !args.isEmpty() && isCumulative(args.get(0)));
        int part = stripe(identity.clientId);
        EventLoop loop = socket.eventLoop();
        if (!loop.inEventLoop()) {
            lanes[part].execute(() -> acked(List.of(f))); // not on its loop after all: hand it over alone
            return;
        }
        LoopAcks pending = loopAcks.getIfExists();
        if (pending == null) {
            pending = new LoopAcks(loop);
            loopAcks.set(pending);
            ackLoops.add(loop);
        }
        pending.add(part, f);
    }

    /** How many channels the lanes keep something for (online pumps, live pumps, recent deliveries). For tests. */
    int channelsOnLanes() {
        int n = 0;
        for (int part = 0; part < LANES; part++) {
            n += onlinePumps[part].size() + livePumps[part].size() + recent[part].size();
        }
        return n;
    }

    /** Whether the calling event loop holds this server's {@link LoopAcks}. For tests. */
    boolean holdsLoopAcks() {
        return loopAcks.isSet();
    }

    /** The event loops that read acks of this server's deliveries. For tests. */
    Set<EventLoop> ackLoops() {
        return Set.copyOf(ackLoops);
    }

    /**
     * Called on {@code socket}'s loop before its close goes to its lane: the acks that loop read before the close reach
     * the pumps' lanes before the close moves the pumps to another socket or stops them.
     */
    void beforeClosed(DefaultSocket socket) {
        if (socket.durableIdentity() == null) {
            return;
        }
        EventLoop loop = socket.eventLoop();
        if (loop.inEventLoop()) {
            LoopAcks pending = loopAcks.getIfExists();
            if (pending != null) {
                pending.run();
            }
        }
    }

    /**
     * Moves the store's cursor without waiting. A failed commit costs only the cursor's progress (the next commit of
     * the subscription carries it; until then a restart delivers those messages again), so it is logged, not retried.
     */
    private void commit(String clientId, String channel, long cursor) {
        call(() -> store.commit(clientId, channel, cursor)).whenComplete((ok, error) -> {
            if (error == null) {
                if (commitsFailing.get() && commitsFailing.compareAndSet(true, false)) {
                    log.info("durable cursors are committed again");
                }
            } else if (commitsFailing.compareAndSet(false, true)) {
                log.warn(
                        "{}: cursor of {} not committed ({}); cursors lag until commits work again",
                        clientId,
                        channel,
                        unwrap(error).toString());
            }
        });
    }

    // ---- asynchronous store calls -------------------------------------------------------------------------------

    /**
     * Continues on {@code clientId}'s lane with the outcome of a store call made on that lane: right now when the
     * future is complete (the embedded stores: no hop), else in a lane task queued by its completion. Never waits.
     */
    private <T> void onLane(String clientId, CompletableFuture<T> call, BiConsumer<T, Throwable> then) {
        switch (call.state()) {
            case SUCCESS -> then.accept(call.resultNow(), null);
            case FAILED, CANCELLED -> then.accept(null, failureOf(call));
            case RUNNING -> call.whenComplete((v, e) -> lane(clientId).execute(() -> then.accept(v, unwrap(e))));
        }
    }

    /** Runs {@code task} on {@code clientId}'s lane after a back-off for the {@code failures}-th failure in a row. */
    private void retry(String clientId, int failures, Runnable task) {
        long delay = Math.min(RETRY_MAX_MILLIS, RETRY_FIRST_MILLIS << Math.min(failures - 1, 16));
        try {
            maintenance.schedule(() -> lane(clientId).execute(task), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("{}: not retried, durable queues are closing", clientId);
        }
    }

    /** A store call whose exception, if it throws one instead of failing its future, fails the future. */
    private static <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Throwable failureOf(CompletableFuture<?> call) {
        try {
            return unwrap(call.exceptionNow());
        } catch (IllegalStateException cancelled) {
            return new CancellationException("the store cancelled the call");
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
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
        return indexed(channel, encode(SocketIoPacket.event(namespace.name(), namespace.nextAckId(), out)));
    }

    private OutboundPacket encode(SocketIoPacket packet) {
        return OutboundPacket.encode(packet, runtime.encoder());
    }

    /** The lane of an identity's pumps: all its channels, so the fan-out of one channel spreads over the lanes. */
    private HandlerLane lane(String clientId) {
        return lanes[stripe(clientId)];
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V>[] newMaps() {
        Map<String, V>[] maps = new Map[LANES];
        for (int i = 0; i < LANES; i++) {
            maps[i] = new ConcurrentHashMap<>();
        }
        return maps;
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
        for (EventLoop loop : ackLoops) {
            try {
                loop.execute(loopAcks::remove);
            } catch (RejectedExecutionException stopping) {
                // the loop is gone, and its thread-locals with it
            }
        }
        maintenance.shutdownNow();
        try {
            maintenance.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }

    /** An identity with at least one socket online (its sockets hold it: {@link DefaultSocket#durable()}). */
    static final class Identity {
        final String clientId;
        final List<DefaultSocket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Map<String, Pump> pumps = new ConcurrentHashMap<>();
        /** The pump the last acknowledgement of this identity was for; touched on the identity's lane only. */
        Pump lastAcked;
        /** Old ack ids in a row that no ring held ({@link #MAX_OLD_ACK_MISSES}); the identity's lane only. */
        int oldAckMisses;

        Identity(String clientId) {
            this.clientId = clientId;
        }

        DefaultSocket newestSocket() {
            int n = sockets.size();
            return n == 0 ? null : sockets.get(n - 1);
        }
    }

    /** One (identity, channel) while the identity is online; touched only on the identity's lane. */
    private static final class Pump {
        final String clientId;
        final String channel;
        final InFlightRing inFlight = new InFlightRing();
        DefaultSocket socket;
        /** {@code socket}'s event loop: a fan-out groups its deliveries by it without a walk to the session. */
        EventLoop loop;

        int generation;
        long cursor;
        long sent;
        /** Its place in its lane's {@link LivePumps} of its channel while it is live ({@link #setLive}), else -1. */
        int liveSlot = -1;
        /** A read since the activation came back short: everything stored before then was sent. */
        boolean storeCaughtUp;
        /** A read is outstanding (or waits for its retry): no second one is made. */
        boolean reading;

        int readFailures;
        /** In the acks {@link #acked} is going through: its cursor moves once they are all marked. */
        boolean ackSeen;

        Pump(String clientId, String channel, long cursor) {
            this.clientId = clientId;
            this.channel = channel;
            this.cursor = cursor;
            this.sent = cursor;
        }

        boolean live() {
            return liveSlot >= 0;
        }
    }

    /** The live pumps of one lane and channel, in an array a fan-out walks; a pump knows its slot. Lane only. */
    private static final class LivePumps {
        Pump[] pumps = new Pump[8];
        int size;

        void add(Pump pump) {
            if (size == pumps.length) {
                pumps = Arrays.copyOf(pumps, size * 2);
            }
            pump.liveSlot = size;
            pumps[size++] = pump;
        }

        /** Moves the last pump to the removed one's slot. */
        void remove(Pump pump) {
            Pump last = pumps[--size];
            pumps[pump.liveSlot] = last;
            last.liveSlot = pump.liveSlot;
            pumps[size] = null;
            pump.liveSlot = -1;
        }
    }
}
