package io.courier.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.CourierConfig;
import io.courier.adapter.AdapterFactory;
import io.courier.json.JsonCodec;
import io.courier.protocol.PacketEncoder;
import io.courier.protocol.Parser;
import io.courier.recovery.RecoveryOutbox;
import io.courier.recovery.RecoveryStore;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The Socket.IO server state shared by all connections: namespaces, settings, the encoder and the ack timer.
 * Thread-safe.
 */
public final class SocketIoRuntime {
    /**
     * The settings the runtime needs (a slice of {@code CourierConfig}).
     *
     * @param recovery the connection state recovery store, or null when recovery is off
     * @param deduplication deduplication of client retries (see {@link Deduplicator})
     * @param parser how packets are written on the wire, both ways
     */
    public record Settings(
            Duration connectTimeout,
            int maxAttachments,
            int maxQueuedEventsPerSocket,
            Executor handlerExecutor,
            AdapterFactory adapterFactory,
            RecoveryStore recovery,
            boolean skipMiddlewares,
            Duration maxDisconnectionDuration,
            CourierConfig.Deduplication deduplication,
            Parser parser) {}

    private final Settings settings;
    private final ObjectMapper mapper = JsonCodec.mapper();
    private final PacketEncoder encoder;
    private final Map<String, DefaultNamespace> namespaces = new ConcurrentHashMap<>();
    private final List<ParentNamespace> parents = new CopyOnWriteArrayList<>();
    private final Timer timer =
            new HashedWheelTimer(new DefaultThreadFactory("courier-timer", true), 10, TimeUnit.MILLISECONDS);

    private volatile DurableDelivery durable;
    private final RuntimeStats stats = new RuntimeStats();

    /** Counters for metrics. */
    public RuntimeStats stats() {
        return stats;
    }

    /** The namespaces that exist now. */
    public java.util.Collection<DefaultNamespace> namespaces() {
        return java.util.List.copyOf(namespaces.values());
    }

    /** The durable queues' store, or null when they are off. */
    public io.courier.durable.MessageStore durableStore() {
        DurableDelivery d = durable;
        return d == null ? null : d.store();
    }

    private final Deduplicator deduplicator;
    private final RecoveryOutbox outbox;

    /**
     * How many connection state recovery turns (emits and restores) may wait for the recovery store; beyond it an emit
     * fails and a restore connects a new socket (see {@link RecoveryOutbox}). Turns wait only while the store is slow
     * to answer: the embedded stores answer at once.
     */
    static final int RECOVERY_OUTBOX_BOUND = 65_536;

    public SocketIoRuntime(Settings settings) {
        this.settings = settings;
        this.encoder = settings.parser().encoder(mapper);
        this.outbox = settings.recovery() == null
                ? null
                : new RecoveryOutbox(
                        settings.recovery(),
                        RECOVERY_OUTBOX_BOUND,
                        settings.handlerExecutor(),
                        SocketIoRuntime::onLoopWithTasksQueued);
        this.deduplicator =
                settings.deduplication() != null && settings.deduplication().enabled()
                        ? new Deduplicator(settings.deduplication(), settings.maxDisconnectionDuration(), timer)
                        : null;
        if (settings.recovery() != null) {
            scheduleExpiry();
        }
    }

    /**
     * Whether the calling thread is an event loop with tasks queued (any loop that cannot tell counts as having some):
     * a recovery turn's fan-out made there would write to the loop's connections at once, ahead of what earlier turns
     * run on other threads queued for them (their packets, a restored socket's replay and CONNECT reply). The outbox
     * then hands the turn to the handler executor, whose fan-out queues behind them.
     */
    static boolean onLoopWithTasksQueued() {
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        return loop != null && loop.inEventLoop() && !noTasksQueued(loop);
    }

    /**
     * Whether nothing waits in {@code loop}'s task queue, so that what the loop writes now cannot overtake a packet
     * another thread queued there (a loop that cannot tell counts as having some). Netty counts its tail tasks too.
     */
    static boolean noTasksQueued(EventExecutor loop) {
        return loop instanceof SingleThreadEventExecutor single && single.pendingTasks() == 0;
    }

    /** The recovery store, or null when connection state recovery is off. */
    RecoveryStore recovery() {
        return settings.recovery();
    }

    /** The order of connection state recovery's fan-outs and restores, or null when recovery is off. */
    RecoveryOutbox outbox() {
        return outbox;
    }

    /** Deduplication of client retries, or null when it is off. */
    Deduplicator deduplicator() {
        return deduplicator;
    }

    private void scheduleExpiry() {
        long every = Math.min(
                60_000, Math.max(100, settings.maxDisconnectionDuration().toMillis() / 2));
        try {
            timer.newTimeout(
                    t -> {
                        try {
                            settings.recovery().expire();
                        } finally {
                            scheduleExpiry();
                        }
                    },
                    every,
                    TimeUnit.MILLISECONDS);
        } catch (IllegalStateException stopped) {
            // the server is closing
        }
    }

    /**
     * Turns durable queues on (before the server starts serving): {@code store} is owned by the runtime from now on.
     */
    public io.courier.DurableQueues startDurable(
            io.courier.durable.MessageStore store,
            String namespace,
            java.util.function.Function<io.courier.Handshake, String> identity,
            int window,
            Duration maintenanceInterval) {
        if (durable != null) {
            throw new IllegalStateException("durable queues already started");
        }
        durable = new DurableDelivery(this, store, namespace, identity, window, maintenanceInterval);
        return durable;
    }

    /** The durable queues, or null when they are off. */
    DurableDelivery durable() {
        return durable;
    }

    Settings settings() {
        return settings;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    /** The parser's encoder: every packet the server sends goes through it. */
    PacketEncoder encoder() {
        return encoder;
    }

    Timer timer() {
        return timer;
    }

    Executor executor() {
        return settings.handlerExecutor();
    }

    private final List<java.util.function.Consumer<DefaultNamespace>> namespaceListeners = new CopyOnWriteArrayList<>();

    /** The namespace with that name, created on first use. */
    public DefaultNamespace namespace(String name) {
        String n = normalize(name);
        DefaultNamespace ns = namespaces.get(n);
        if (ns != null) {
            return ns;
        }
        boolean[] created = new boolean[1];
        ns = namespaces.computeIfAbsent(n, k -> {
            created[0] = true;
            return new DefaultNamespace(this, k, null);
        });
        if (created[0]) {
            announce(ns);
        }
        return ns;
    }

    /**
     * Calls {@code listener} for every namespace, those that exist now and each one created later (Socket.IO's
     * {@code new_namespace} event), once each.
     */
    public synchronized void onNamespace(java.util.function.Consumer<DefaultNamespace> listener) {
        namespaceListeners.add(listener);
        namespaces.values().forEach(listener);
    }

    private synchronized void announce(DefaultNamespace ns) {
        for (java.util.function.Consumer<DefaultNamespace> l : namespaceListeners) {
            l.accept(ns);
        }
    }

    /** Registers a parent namespace whose children are created on demand for matching names. */
    public ParentNamespace parent(java.util.function.Predicate<String> matcher, String description) {
        ParentNamespace p = new ParentNamespace(this, matcher, description);
        parents.add(p);
        return p;
    }

    /** The existing namespace for a CONNECT, or a new child of the first parent that matches, or null. */
    DefaultNamespace lookup(String name) {
        DefaultNamespace ns = namespaces.get(name);
        if (ns != null) {
            return ns;
        }
        for (ParentNamespace p : parents) {
            if (p.matches(name)) {
                boolean[] created = new boolean[1];
                DefaultNamespace child = namespaces.computeIfAbsent(name, n -> {
                    created[0] = true;
                    return p.createChild(n);
                });
                if (created[0]) {
                    announce(child);
                }
                return child;
            }
        }
        return null;
    }

    /** The session handler to give an Engine.IO server: one {@link ClientConnection} per session. */
    public io.courier.engine.EngineIoServer.SessionHandler sessionHandler() {
        return session -> new ClientConnection(this, session);
    }

    public void close() {
        namespaces.values().forEach(ns -> ns.adapter().close());
        timer.stop();
        if (durable != null) {
            durable.close();
        }
        if (settings.recovery() != null) {
            settings.recovery().close();
        }
    }

    static String normalize(String name) {
        if (name == null || name.isEmpty()) {
            return "/";
        }
        return name.startsWith("/") ? name : "/" + name;
    }
}
