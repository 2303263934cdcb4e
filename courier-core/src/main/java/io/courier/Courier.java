package io.courier;

import io.courier.durable.MessageStore;
import io.courier.durable.MessageStoreFactory;
import io.courier.engine.EngineIoCloseReason;
import io.courier.engine.EngineIoConfig;
import io.courier.engine.EngineIoServer;
import io.courier.engine.EngineIoSession;
import io.courier.engine.EngineIoStats;
import io.courier.http.HttpRoute;
import io.courier.http.StaticResource;
import io.courier.metrics.CourierMetrics;
import io.courier.netty.CourierHttpServer;
import io.courier.netty.NettyDefaults;
import io.courier.recovery.RecoveryStore;
import io.courier.recovery.RecoveryStoreFactory;
import io.courier.server.SocketIoRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Socket.IO server (socket.io's {@code io}). Create it, register handlers, start it.
 *
 * <pre>{@code
 * Courier io = Courier.create(config -> config.port(3000));
 * io.onConnection(socket -> socket.on("ping", (args, ack) -> ack.reply("pong")));
 * io.start();
 * }</pre>
 *
 * <p>The methods that emit, and those that name a namespace, act on the main namespace {@code "/"} unless they take
 * one. Safe from any thread.
 */
public final class Courier implements AutoCloseable {
    static {
        NettyDefaults.apply(); // before anything of Netty's initializes
    }

    private static final Logger log = LoggerFactory.getLogger(Courier.class);
    private static final String BUNDLE_DIR = "/io/courier/client/";

    private final CourierConfig config;
    private final SocketIoRuntime runtime;
    private final EngineIoServer engine;
    private final VirtualThreadExecutor ownExecutor;
    private final DurableQueues durable;
    private final List<MountedRoute> routes = new CopyOnWriteArrayList<>();
    private final Map<String, StaticResource> resources = new ConcurrentHashMap<>();
    private boolean mounted; // attach or start happened: routes and resources are fixed
    private CourierHttpServer ownServer;

    private Courier(CourierConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        Executor executor = config.handlerExecutor();
        if (executor == null) {
            ownExecutor = new VirtualThreadExecutor();
            executor = ownExecutor;
        } else {
            ownExecutor = null;
        }
        this.runtime = new SocketIoRuntime(new SocketIoRuntime.Settings(
                config.connectTimeout(),
                config.maxAttachments(),
                config.maxQueuedEventsPerSocket(),
                executor,
                config.adapterFactory(),
                recoveryStore(config.recovery()),
                config.recovery().skipMiddlewares(),
                config.recovery().maxDisconnectionDuration(),
                config.deduplication(),
                config.parser()));
        this.engine = new EngineIoServer(
                config.engine(),
                runtime.sessionHandler(),
                config.foreignSessions() == null
                        ? null
                        : config.foreignSessions().nodeId());
        runtime.namespace("/");
        CourierConfig.Durable d = config.durable();
        DurableQueues started = null;
        if (d.enabled()) {
            try {
                started = runtime.startDurable(
                        messageStore(d), d.namespace(), d.identity(), d.inFlightWindow(), d.maintenanceInterval());
            } catch (RuntimeException e) {
                // nothing listens yet: release the timer, the recovery store and the handler threads, then fail
                runtime.close();
                if (ownExecutor != null) {
                    ownExecutor.shutdown();
                }
                throw e;
            }
        }
        this.durable = started;
    }

    private static MessageStore messageStore(CourierConfig.Durable d) {
        try {
            return d.store().open(new MessageStoreFactory.Settings(d.retention(), d.limits(), d.fsync()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot open the durable store: " + e.getMessage(), e);
        }
    }

    private static RecoveryStore recoveryStore(CourierConfig.Recovery r) {
        return r.enabled()
                ? r.store()
                        .open(new RecoveryStoreFactory.Settings(
                                r.maxDisconnectionDuration(), r.maxPackets(), Clock.systemUTC()))
                : null;
    }

    /** A server configured by {@code configure} (see {@link CourierConfig.Builder} for options and defaults). */
    public static Courier create(Consumer<CourierConfig.Builder> configure) {
        CourierConfig.Builder b = CourierConfig.builder();
        configure.accept(b);
        return new Courier(b.build());
    }

    public static Courier create(CourierConfig config) {
        return new Courier(config);
    }

    public CourierConfig config() {
        return config;
    }

    /** The namespace with that name, created if needed. */
    public Namespace of(String name) {
        return runtime.namespace(name);
    }

    /** A dynamic namespace: children are created for CONNECTs whose whole name matches {@code pattern}. */
    public Namespace of(Pattern pattern) {
        return runtime.parent(name -> pattern.matcher(name).matches(), pattern.pattern());
    }

    /**
     * A dynamic namespace: children are created for CONNECTs whose name passes {@code accept}. {@code accept} runs on
     * the event loop of the connection that sent the CONNECT: keep it quick and never block in it.
     */
    public Namespace of(Predicate<String> accept) {
        return runtime.parent(accept, "<dynamic>");
    }

    /** The main namespace {@code "/"}. */
    public Namespace sockets() {
        return runtime.namespace("/");
    }

    /**
     * Calls {@code listener} for every namespace: those that exist now and each one created later, dynamic children
     * included (Socket.IO's {@code new_namespace} event). For a child created by a CONNECT it runs on that
     * connection's event loop: keep it quick and never block in it.
     */
    public Courier onNamespace(java.util.function.Consumer<Namespace> listener) {
        runtime.onNamespace(listener::accept);
        return this;
    }

    /** The namespaces that exist now (dynamic children included). */
    public java.util.Collection<Namespace> namespaces() {
        return java.util.List.copyOf(runtime.namespaces());
    }

    public Courier use(Middleware middleware) {
        sockets().use(middleware);
        return this;
    }

    public Courier onConnection(ConnectionHandler handler) {
        sockets().onConnection(handler);
        return this;
    }

    public BroadcastOperator to(String... rooms) {
        return sockets().to(rooms);
    }

    public BroadcastOperator in(String... rooms) {
        return sockets().in(rooms);
    }

    public BroadcastOperator except(String... rooms) {
        return sockets().except(rooms);
    }

    public BroadcastOperator timeout(Duration timeout) {
        return sockets().timeout(timeout);
    }

    /** Socket.IO's {@code io.volatile}. */
    public BroadcastOperator droppable() {
        return sockets().droppable();
    }

    public BroadcastOperator local() {
        return sockets().local();
    }

    public boolean emit(String event, Object... args) {
        return sockets().emit(event, args);
    }

    public CompletableFuture<List<EventArgs>> emitWithAck(String event, Object... args) {
        return sockets().emitWithAck(event, args);
    }

    public CompletableFuture<List<RemoteSocket>> fetchSockets() {
        return sockets().fetchSockets();
    }

    public void socketsJoin(String... rooms) {
        sockets().socketsJoin(rooms);
    }

    public void socketsLeave(String... rooms) {
        sockets().socketsLeave(rooms);
    }

    public void disconnectSockets(boolean close) {
        sockets().disconnectSockets(close);
    }

    /** See {@link Namespace#serverSideEmit}: to the main namespace's handlers on the other nodes. */
    public boolean serverSideEmit(String event, Object... args) {
        return sockets().serverSideEmit(event, args);
    }

    /** See {@link Namespace#serverSideEmitWithAck}. */
    public CompletableFuture<List<EventArgs>> serverSideEmitWithAck(String event, Object... args) {
        return sockets().serverSideEmitWithAck(event, args);
    }

    /** See {@link Namespace#onServerSideEmit}. */
    public Courier onServerSideEmit(String event, EventHandler handler) {
        sockets().onServerSideEmit(event, handler);
        return this;
    }

    /**
     * The durable queues.
     *
     * @throws IllegalStateException if they were not turned on with {@link CourierConfig.Builder#durableQueues}
     */
    public DurableQueues durable() {
        if (durable == null) {
            throw new IllegalStateException("durable queues are off: turn them on with config.durableQueues(...)");
        }
        return durable;
    }

    /**
     * This server's meters for a Micrometer registry: {@code io.metrics().bindTo(registry)} (see
     * {@link CourierMetrics} for the list); call {@link CourierMetrics#refresh()} before each scrape.
     */
    public CourierMetrics metrics() {
        return new CourierMetrics(engine, runtime);
    }

    /**
     * This server's connections and traffic since it was created (what the Socket.IO Admin UI's {@code server_stats}
     * shows). Walks the open connections to count those on polling: for a call now and then, not for every event.
     */
    public ServerStats stats() {
        EngineIoStats s = engine.stats();
        long opened = s.sessionsOpened();
        long closed = s.sessionsClosed();
        long in = s.messagesIn();
        long out = s.messagesOut();
        long bytesIn = s.bytesIn();
        long bytesOut = s.bytesOut();
        int polling = 0;
        for (EngineIoSession session : engine.sessions()) {
            if (EngineIoConfig.POLLING.equals(session.transportName())) {
                polling++;
            }
        }
        return new ServerStats(engine.sessionCount(), polling, opened, closed, in, out, bytesIn, bytesOut);
    }

    /**
     * Closes the connection {@code connectionId} ({@link Socket#connectionId()}) with every socket on it, once what was
     * already queued for it has been sent (a middleware's refusal, say): its sockets disconnect with "forced server close"
     * and its client sees the transport close (and may reconnect). Safe from any thread.
     *
     * @return whether such a connection was open
     */
    public boolean closeConnection(String connectionId) {
        EngineIoSession session = engine.session(connectionId);
        if (session == null) {
            return false;
        }
        session.close(EngineIoCloseReason.FORCED_CLOSE);
        return true;
    }

    /** The Engine.IO layer (sessions), for metrics and advanced use. */
    public EngineIoServer engine() {
        return engine;
    }

    /**
     * Serves plain HTTP on this server's port next to Socket.IO: requests for {@code path} exactly or, if it ends with
     * {@code /}, for every path below it. A request body over {@code maxBodyBytes} is refused with 413 before the
     * route sees it. Static resources are matched first, then routes in the order they were added, then the Socket.IO
     * path. {@code route} runs on an event loop and must not block (see {@link HttpRoute}).
     *
     * <pre>{@code
     * io.route("/healthz", 0, request -> CompletableFuture.completedFuture(HttpResponse.text(200, "ok\n")));
     * }</pre>
     *
     * @throws IllegalStateException after {@link #start()} or {@link #attach}: mount routes before
     */
    public Courier route(String path, int maxBodyBytes, HttpRoute route) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path : " + path + " (expected: starts with /, e.g. /api/)");
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes : " + maxBodyBytes + " (expected: >= 0)");
        }
        Objects.requireNonNull(route, "route");
        synchronized (this) {
            beforeMounting("route");
            routes.add(new MountedRoute(path, maxBodyBytes, route));
        }
        return this;
    }

    /**
     * Serves {@code resource} at exactly {@code path} (GET and HEAD, with an ETag), e.g. a page at {@code /}.
     *
     * @throws IllegalStateException after {@link #start()} or {@link #attach}: mount resources before
     */
    public Courier resource(String path, StaticResource resource) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path : " + path + " (expected: starts with /, e.g. /index.html)");
        }
        Objects.requireNonNull(resource, "resource");
        synchronized (this) {
            beforeMounting("resource");
            resources.put(path, resource);
        }
        return this;
    }

    private void beforeMounting(String what) {
        if (mounted) {
            throw new IllegalStateException("add a " + what + " before start() or attach()");
        }
    }

    private record MountedRoute(String path, int maxBodyBytes, HttpRoute route) {}

    /**
     * Mounts this server on an HTTP server you manage (socket.io's {@code io.attach(httpServer)}): the engine under
     * {@link CourierConfig#path()}, with {@code serveClient} the browser bundle, and the {@link #route routes} and
     * {@link #resource resources} added so far. {@link CourierConfig#allowedHosts()} is not applied: the server you
     * manage keeps its own.
     */
    public synchronized Courier attach(CourierHttpServer http) {
        mounted = true;
        http.mount(config.path(), engine, config.cors(), config.foreignSessions());
        if (config.serveClient()) {
            serveBundle(http, "socket.io.js", "application/javascript; charset=utf-8");
            serveBundle(http, "socket.io.min.js", "application/javascript; charset=utf-8");
            serveBundle(http, "socket.io.js.map", "application/json");
            serveBundle(http, "socket.io.min.js.map", "application/json");
            serveBundle(http, "socket.io.msgpack.min.js", "application/javascript; charset=utf-8");
            serveBundle(http, "socket.io.msgpack.min.js.map", "application/json");
        }
        resources.forEach(http::resource);
        routes.forEach(r -> http.route(r.path(), r.maxBodyBytes(), r.route()));
        return this;
    }

    /** Binds {@link CourierConfig#host()}:{@link CourierConfig#port()} and starts serving. */
    public synchronized Courier start() {
        if (ownServer != null) {
            throw new IllegalStateException("already started");
        }
        CourierHttpServer http = new CourierHttpServer(config.host(), config.port(), config.ioThreads());
        if (config.allowedHosts() != null) {
            http.allowedHosts(config.allowedHosts());
        }
        attach(http);
        http.start();
        ownServer = http;
        announce("Courier listening on http://" + config.host() + ":" + http.port() + " (Socket.IO at " + config.path()
                + ")");
        return this;
    }

    /**
     * Logs the start-up line at INFO: through SLF4J when the application has a provider (logback, say), else through
     * {@link System.Logger} (java.util.logging unless configured otherwise), so that an embedded server is never
     * silent; that line then also says how to see Courier's other logs.
     */
    static void announce(String line) {
        if (!(LoggerFactory.getILoggerFactory() instanceof org.slf4j.helpers.NOPLoggerFactory)) {
            log.info(line);
        } else {
            System.getLogger(Courier.class.getName())
                    .log(
                            System.Logger.Level.INFO,
                            line + "; Courier logs through SLF4J and no provider is on the class path: add one (e.g."
                                    + " ch.qos.logback:logback-classic) to see its other logs");
        }
    }

    /** The port the server listens on (after {@link #start()}). */
    public int port() {
        if (ownServer == null) {
            throw new IllegalStateException("not started");
        }
        return ownServer.port();
    }

    /** Disconnects every client ("server shutting down"), stops listening and releases threads. */
    @Override
    public synchronized void close() {
        if (ownServer != null) {
            ownServer.close();
            ownServer = null;
        } else {
            engine.closeAll(EngineIoCloseReason.SERVER_SHUTTING_DOWN);
        }
        runtime.close();
        if (ownExecutor != null) {
            ownExecutor.shutdown();
        }
    }

    private void serveBundle(CourierHttpServer http, String file, String contentType) {
        try (InputStream in = Courier.class.getResourceAsStream(BUNDLE_DIR + file)) {
            if (in == null) {
                if (!file.endsWith(".map")) {
                    log.warn(
                            "client bundle {} is not on the classpath; {}{} will answer 404",
                            file,
                            config.path(),
                            file);
                }
                return;
            }
            http.resource(config.path() + file, StaticResource.of(in.readAllBytes(), contentType));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read client bundle " + file, e);
        }
    }
}
