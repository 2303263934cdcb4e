package io.courier.client;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * A Socket.IO v5 client (Engine.IO v4 over long-polling and WebSocket) with reconnection, connection state recovery
 * and Courier's durable queues. One client is one connection to one server, shared by the namespaces it opens (like
 * socket.io-client's {@code Manager}).
 *
 * <pre>{@code
 * CourierClient client = CourierClient.builder("http://127.0.0.1:3000")
 *         .auth(Map.of("clientId", "driver-7"))
 *         .build();
 * ClientSocket socket = client.socket();
 * socket.on("chat", (args, ack) -> System.out.println(args.getString(0)));
 * socket.connect();
 * socket.emitWithAck("join", "lobby").thenAccept(reply -> ...);
 * }</pre>
 *
 * <p><b>Threading.</b> All network work and all protocol state run on one Netty event loop thread. Listeners, ack
 * futures and durable handlers run on a separate callback executor, by default one thread of the client's own (so
 * they run one at a time, in the order the server sent them, and may block without stalling the connection, though
 * they then delay the callbacks behind them). Every public method may be called from any thread. Call {@link #close()}
 * when done: it stops the client's threads.
 */
public final class CourierClient implements AutoCloseable {
    private static final System.Logger log = System.getLogger(CourierClient.class.getName());

    private final ClientOptions options;
    private final EventLoopGroup group;
    private final boolean ownGroup;
    private final EventLoop loop;
    private final Executor executor;
    private final ExecutorService ownExecutor;
    private final Map<String, ClientSocket> sockets = new ConcurrentHashMap<>();
    private final AtomicInteger buffered = new AtomicInteger();
    private final List<Consumer<Integer>> reconnectListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> reconnectFailedListeners = new CopyOnWriteArrayList<>();
    private final DurableClient durable;

    // on the event loop
    private EngineSession engine;
    private SocketIoPacket.Decoder decoder;
    private final Backoff backoff;
    private ScheduledFuture<?> reconnectTimer;
    private boolean reconnecting;
    private volatile boolean closed;
    private volatile String transportName;

    private CourierClient(ClientOptions options) {
        this.options = options;
        if (options.eventLoopGroup != null) {
            group = options.eventLoopGroup;
            ownGroup = false;
        } else {
            group = new MultiThreadIoEventLoopGroup(
                    1, new DefaultThreadFactory("courier-client-io", true), NioIoHandler.newFactory());
            ownGroup = true;
        }
        loop = group.next();
        if (options.callbackExecutor != null) {
            executor = options.callbackExecutor;
            ownExecutor = null;
        } else {
            ownExecutor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "courier-client-callbacks");
                t.setDaemon(true);
                return t;
            });
            executor = ownExecutor;
        }
        backoff = new Backoff(
                options.reconnectionDelay.toMillis(),
                options.reconnectionDelayMax.toMillis(),
                options.randomizationFactor);
        durable = new DurableClient(this, options.dedupIds, options.cumulativeAcks, options.ackDelay);
    }

    /** A builder for a client of the server at {@code uri} ({@code http://host:port}, {@code https://...}). */
    public static Builder builder(String uri) {
        return new Builder(URI.create(uri));
    }

    /** The socket of the main namespace {@code "/"}. */
    public ClientSocket socket() {
        return socket("/");
    }

    /** The socket of a namespace, with the client's auth; the same object on every call. Not connected yet. */
    public ClientSocket socket(String namespace) {
        return socket(namespace, options.auth);
    }

    /**
     * The socket of a namespace with its own CONNECT auth payload (created on the first call; later calls return it and
     * ignore {@code auth}).
     */
    public ClientSocket socket(String namespace, Map<String, ?> auth) {
        if (namespace == null || !namespace.startsWith("/")) {
            throw new IllegalArgumentException("a namespace starts with '/': " + namespace);
        }
        if (closed) {
            throw new IllegalStateException("client closed");
        }
        return sockets.computeIfAbsent(namespace, n -> new ClientSocket(this, n, Map.copyOf(auth)));
    }

    /** Connects the main namespace; the same as {@code socket().connect()}. */
    public ClientSocket connect() {
        return socket().connect();
    }

    /** The transport in use now ({@code "polling"} or {@code "websocket"}), or null while not connected. */
    public String transport() {
        return transportName;
    }

    /** Called after a successful reconnection, with the number of attempts it took. */
    public CourierClient onReconnect(Consumer<Integer> listener) {
        reconnectListeners.add(listener);
        return this;
    }

    /** Called when {@code reconnectionAttempts} attempts failed; the client then stays disconnected. */
    public CourierClient onReconnectFailed(Runnable listener) {
        reconnectFailedListeners.add(listener);
        return this;
    }

    // ---------------------------------------------------------------- durable queues

    /**
     * Subscribes to a durable channel of a Courier hub, on the main namespace (see {@link DurableSubscription}). The
     * handler runs on the callback executor for every message of the channel, at most once per message id within this
     * client's lifetime (duplicates the hub sends after a reconnection or restart are acknowledged and dropped); each
     * delivery is acknowledged when the handler returns normally. When it throws, the delivery is not acknowledged
     * and comes again on the next connection. Connects the main namespace if it is not.
     */
    public DurableSubscription subscribe(String channel, Consumer<Delivery> handler) {
        return subscribe(channel, handler, null);
    }

    /** {@link #subscribe(String, Consumer)} with a listener for {@code courier:continuity-lost} on that channel. */
    public DurableSubscription subscribe(
            String channel, Consumer<Delivery> handler, Consumer<ContinuityLost> onContinuityLost) {
        return durable.subscribe(
                channel,
                d -> {
                    handler.accept(d);
                    return CompletableFuture.completedFuture(null);
                },
                onContinuityLost);
    }

    /**
     * Subscribes with an asynchronous handler: each delivery is acknowledged when the stage the handler returns
     * completes normally (not acknowledged when it fails), so work may continue on other threads.
     */
    public DurableSubscription subscribeAsync(
            String channel,
            Function<Delivery, ? extends java.util.concurrent.CompletionStage<?>> handler,
            Consumer<ContinuityLost> onContinuityLost) {
        return durable.subscribe(channel, handler, onContinuityLost);
    }

    /**
     * Publishes a message to a durable channel through the hub ({@code publish(channel, event, ...args)}); the future
     * completes with the message id once the hub stored it, or fails with {@link DurableException} when the hub
     * refused it, {@link AckTimeoutException} or {@link DisconnectedException} when the answer did not come.
     */
    public CompletableFuture<String> publish(String channel, String event, Object... args) {
        return durable.publish(channel, event, args);
    }

    // ---------------------------------------------------------------- close

    /**
     * Disconnects every namespace, closes the connection and stops the client's own threads (waiting up to 5 s for
     * them). Waiting emits and acks fail with {@link DisconnectedException}. Do not call it from a listener with a
     * caller-supplied executor that the client's shutdown would wait for.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        // the durable acks first, once the handlers still at work are done (3 s at most, within the 5 s waited here);
        // an ack is sent from a loop task of its own, queued before the disconnect's
        loop.execute(() ->
                durable.sendAcksOnceHandled(Duration.ofSeconds(3), () -> loop.execute(() -> disconnectAll(done))));
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.log(Level.DEBUG, "close did not finish in time", e);
        }
        if (ownGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (ownExecutor != null) {
            ownExecutor.shutdown();
        }
    }

    /** On the loop, as the client closes: leaves every namespace and closes the connection. */
    private void disconnectAll(CompletableFuture<Void> done) {
        try {
            if (reconnectTimer != null) {
                reconnectTimer.cancel(false);
                reconnectTimer = null;
            }
            for (ClientSocket s : sockets.values()) {
                if (s.connected() && engine != null && engine.isOpen()) {
                    sendPackets(SocketIoPacket.encode(SocketIoPacket.DISCONNECT, s.namespace(), -1, null), null);
                }
                s.shutdown();
            }
            if (engine != null) {
                engine.close("io client disconnect", null);
            }
        } finally {
            done.complete(null);
        }
    }

    // ---------------------------------------------------------------- internals (event loop unless said)

    EventLoop loop() {
        return loop;
    }

    /** Whether the connection is trying an upgrade (a probe open, or polling paused for one); on the loop. For tests. */
    boolean probing() {
        return engine != null && engine.probing();
    }

    ClientOptions options() {
        return options;
    }

    DurableClient durable() {
        return durable;
    }

    /** Takes a slot of the bounded send buffer; any thread. */
    void reserve() {
        if (closed) {
            throw new IllegalStateException("client closed");
        }
        if (buffered.incrementAndGet() > options.maxBufferedPackets) {
            buffered.decrementAndGet();
            throw new SendBufferFullException(options.maxBufferedPackets);
        }
    }

    void release() {
        buffered.decrementAndGet();
    }

    /** Runs a user callback on the callback executor. */
    void callback(Runnable r) {
        try {
            executor.execute(() -> guard(r));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.log(Level.DEBUG, "callback dropped: the executor is shut down");
        }
    }

    void guard(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.log(Level.WARNING, "a listener threw", e);
        }
    }

    void sendPackets(List<EnginePacket> packets, Runnable onLastLeave) {
        if (engine == null) {
            if (onLastLeave != null) {
                onLastLeave.run();
            }
            return;
        }
        for (int i = 0; i < packets.size(); i++) {
            engine.send(packets.get(i), i == packets.size() - 1 ? onLastLeave : null);
        }
    }

    void socketActivated(ClientSocket s) {
        if (closed) {
            return;
        }
        if (engine == null) {
            if (reconnectTimer == null) {
                openEngine();
            }
        } else if (engine.isOpen() && !s.connected() && !s.connecting()) {
            s.engineOpened();
        }
    }

    void socketDeactivated(ClientSocket s) {
        for (ClientSocket other : sockets.values()) {
            if (other.active()) {
                return;
            }
        }
        if (reconnectTimer != null) {
            reconnectTimer.cancel(false);
            reconnectTimer = null;
        }
        if (engine != null) {
            engine.close("io client disconnect", null);
        }
    }

    void protocolError(ProtocolException e) {
        if (engine != null) {
            engine.close("parse error", e);
        }
    }

    boolean routeDelivery(ClientSocket socket, String event, Args args, Ack ack) {
        return "/".equals(socket.namespace()) && durable.route(event, args, ack);
    }

    void namespaceConnected(ClientSocket socket) {
        if ("/".equals(socket.namespace())) {
            durable.connected(socket);
        }
    }

    private void openEngine() {
        EngineSession session = new EngineSession(options, loop, engineListener);
        engine = session;
        session.open();
    }

    private final EngineSession.Listener engineListener = new EngineSession.Listener() {
        @Override
        public void onOpen(EngineSession session) {
            if (session != engine) {
                return;
            }
            decoder = new SocketIoPacket.Decoder();
            transportName = session.transportName();
            if (reconnecting) {
                int attempts = backoff.attempts();
                for (Consumer<Integer> l : reconnectListeners) {
                    callback(() -> l.accept(attempts));
                }
            }
            reconnecting = false;
            backoff.reset();
            for (ClientSocket s : sockets.values()) {
                s.engineOpened();
            }
        }

        @Override
        public void onMessage(EngineSession session, EnginePacket message) {
            if (session != engine) {
                return;
            }
            transportName = session.transportName();
            SocketIoPacket p;
            try {
                p = decoder.add(message);
            } catch (ProtocolException e) {
                session.close("parse error", e);
                return;
            }
            if (p == null) {
                return;
            }
            ClientSocket s = sockets.get(p.nsp);
            if (s != null) {
                s.onPacket(p);
            }
        }

        @Override
        public void onClose(EngineSession session, String reason, Throwable cause, boolean opened) {
            if (session != engine) {
                return;
            }
            engine = null;
            transportName = null;
            if (cause != null) {
                log.log(Level.DEBUG, "connection ended: " + reason, cause);
            }
            for (ClientSocket s : sockets.values()) {
                s.engineClosed(reason, cause, opened);
            }
            if (closed || "io client disconnect".equals(reason) || !options.reconnection) {
                return;
            }
            boolean anyActive = false;
            for (ClientSocket s : sockets.values()) {
                anyActive |= s.active();
            }
            if (anyActive) {
                scheduleReconnect();
            }
        }
    };

    private void scheduleReconnect() {
        if (reconnectTimer != null || closed) {
            return;
        }
        if (backoff.attempts() >= options.reconnectionAttempts) {
            backoff.reset();
            reconnecting = false;
            for (Runnable l : reconnectFailedListeners) {
                callback(l);
            }
            return;
        }
        reconnecting = true;
        long delay = backoff.nextDelayMillis();
        reconnectTimer = loop.schedule(
                () -> {
                    reconnectTimer = null;
                    if (closed || engine != null) {
                        return;
                    }
                    openEngine();
                },
                delay,
                TimeUnit.MILLISECONDS);
    }

    /** Builds a {@link CourierClient}; every setting has socket.io-client's default unless said. */
    public static final class Builder {
        private final ClientOptions o = new ClientOptions();

        private Builder(URI uri) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            switch (scheme) {
                case "http":
                case "ws":
                    o.secure = false;
                    break;
                case "https":
                case "wss":
                    o.secure = true;
                    break;
                default:
                    throw new IllegalArgumentException("the URI must be http(s) or ws(s): " + uri);
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("the URI has no host: " + uri);
            }
            o.host = uri.getHost().startsWith("[")
                    ? uri.getHost().substring(1, uri.getHost().length() - 1)
                    : uri.getHost();
            o.port = uri.getPort() >= 0 ? uri.getPort() : (o.secure ? 443 : 80);
        }

        /** The Engine.IO path; default {@code /socket.io/}. */
        public Builder path(String path) {
            String p = path.startsWith("/") ? path : "/" + path;
            o.path = p.endsWith("/") ? p : p + "/";
            return this;
        }

        /** The CONNECT auth payload of every namespace (e.g. {@code Map.of("clientId", "driver-7")} for the hub). */
        public Builder auth(Map<String, ?> auth) {
            o.auth = Map.copyOf(auth);
            return this;
        }

        /** A query parameter added to every request (the server sees it in the handshake). */
        public Builder query(String name, String value) {
            o.query.put(name, value);
            return this;
        }

        /** A header added to every HTTP request and to the WebSocket handshake. */
        public Builder header(String name, String value) {
            o.extraHeaders.put(name, value);
            return this;
        }

        /**
         * The transports, in the order to try: default {@code "polling", "websocket"} (start on polling, upgrade to
         * WebSocket); {@code "websocket"} alone connects over WebSocket only; {@code "polling"} alone never upgrades.
         */
        public Builder transports(String... transports) {
            List<String> list = new ArrayList<>();
            for (String t : transports) {
                if (!"polling".equals(t) && !"websocket".equals(t)) {
                    throw new IllegalArgumentException("unknown transport " + t + " (polling or websocket)");
                }
                list.add(t);
            }
            if (list.isEmpty()) {
                throw new IllegalArgumentException("no transport");
            }
            o.transports = List.copyOf(list);
            return this;
        }

        /** Whether to upgrade from polling to WebSocket; default true. */
        public Builder upgrade(boolean upgrade) {
            o.upgrade = upgrade;
            return this;
        }

        /** TLS settings for {@code https}/{@code wss}; default: the JDK's trust store. */
        public Builder sslContext(SslContext sslContext) {
            o.sslContext = sslContext;
            return this;
        }

        /** How long a connection attempt (TCP, TLS, Engine.IO handshake) may take; default 20 s. */
        public Builder connectTimeout(Duration timeout) {
            o.connectTimeout = positive(timeout);
            return this;
        }

        /** Whether to reconnect after a connection loss; default true. */
        public Builder reconnection(boolean reconnection) {
            o.reconnection = reconnection;
            return this;
        }

        /** Attempts before giving up ({@link CourierClient#onReconnectFailed}); default unlimited. */
        public Builder reconnectionAttempts(int attempts) {
            if (attempts < 0) {
                throw new IllegalArgumentException("reconnectionAttempts must be >= 0");
            }
            o.reconnectionAttempts = attempts;
            return this;
        }

        /** The first reconnection delay, doubled on each attempt; default 1 s. */
        public Builder reconnectionDelay(Duration delay) {
            o.reconnectionDelay = positive(delay);
            return this;
        }

        /** The longest reconnection delay; default 5 s. */
        public Builder reconnectionDelayMax(Duration delay) {
            o.reconnectionDelayMax = positive(delay);
            return this;
        }

        /** The jitter, 0 to 1: each delay moves by up to this share; default 0.5. */
        public Builder randomizationFactor(double factor) {
            if (!(factor >= 0 && factor <= 1)) {
                throw new IllegalArgumentException("randomizationFactor must be within [0, 1]");
            }
            o.randomizationFactor = factor;
            return this;
        }

        /** The default timeout of {@link ClientSocket#emitWithAck}; default none. */
        public Builder ackTimeout(Duration timeout) {
            o.ackTimeout = positive(timeout);
            return this;
        }

        /**
         * How many emits may wait (disconnected, or behind a slow transport) before {@code emit} throws
         * {@link SendBufferFullException}; default 1000.
         */
        public Builder maxBufferedPackets(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxBufferedPackets must be >= 1");
            }
            o.maxBufferedPackets = max;
            return this;
        }

        /** The largest message accepted from the server (WebSocket frame; twice that for a polling body); 16 MiB. */
        public Builder maxMessageBytes(int max) {
            if (max < 1024) {
                throw new IllegalArgumentException("maxMessageBytes must be >= 1024");
            }
            o.maxMessageBytes = max;
            return this;
        }

        /** How many durable message ids the client remembers to drop duplicates; default 10,000. */
        public Builder deduplicationIds(int ids) {
            if (ids < 1) {
                throw new IllegalArgumentException("deduplicationIds must be >= 1");
            }
            o.dedupIds = ids;
            return this;
        }

        /**
         * Whether durable deliveries handled in a row are acknowledged together, with one cumulative ack for the
         * newest of them ({@code {"cumulative": true}}, README "Durable queues"), rather than each with its own; default
         * true. A delivery whose handler failed is never covered: from then on, on that connection, each delivery is
         * acknowledged alone. Turn it off for a hub older than cumulative acks, which would take such an ack for its
         * own delivery only.
         */
        public Builder cumulativeAcks(boolean cumulative) {
            o.cumulativeAcks = cumulative;
            return this;
        }

        /**
         * How long a handled durable delivery may wait for its cumulative ack while fewer than half of the hub's
         * in-flight window are handled and waiting; default 100 ms. Half a window handled goes out at once, so the hub
         * never stops sending for acks held here: at a high rate a subscription sends one ack per half window, not one
         * per batch of deliveries handled together. The hub names its window in its reply to {@code subscribe}; until
         * one came (a client subscribed only to its identity's own channel), or with {@link Duration#ZERO}, or with
         * {@link #cumulativeAcks} off, what is handled together is acknowledged at once, as with a hub that names
         * none. A crash loses the acks held: their deliveries come again, to be dropped by id (a new process's
         * duplicates, README "Durable queues").
         */
        public Builder ackDelay(Duration delay) {
            if (delay == null || delay.isNegative()) {
                throw new IllegalArgumentException("ackDelay must be >= 0");
            }
            o.ackDelay = delay;
            return this;
        }

        /**
         * Where listeners, ack futures and durable handlers run; default a single thread of the client's own. With a
         * multi-threaded executor they may run concurrently and out of order.
         */
        public Builder callbackExecutor(Executor executor) {
            o.callbackExecutor = executor;
            return this;
        }

        /** A Netty event loop group to share between clients (not shut down by {@link #close()}); default own. */
        public Builder eventLoopGroup(EventLoopGroup group) {
            o.eventLoopGroup = group;
            return this;
        }

        /** The client; it connects on {@link CourierClient#connect()} or a socket's {@code connect()}. */
        public CourierClient build() {
            if (o.secure && o.sslContext == null) {
                try {
                    o.sslContext = SslContextBuilder.forClient().build();
                } catch (SSLException e) {
                    throw new IllegalStateException("no default TLS context: " + e.getMessage(), e);
                }
            }
            ClientOptions copy = o;
            copy.query = new LinkedHashMap<>(o.query);
            copy.extraHeaders = new LinkedHashMap<>(o.extraHeaders);
            return new CourierClient(copy);
        }

        private static Duration positive(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("must be positive: " + d);
            }
            return d;
        }
    }
}
