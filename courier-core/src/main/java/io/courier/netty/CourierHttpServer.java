package io.courier.netty;

import io.courier.engine.EngineIoCloseReason;
import io.courier.engine.EngineIoConfig;
import io.courier.engine.EngineIoServer;
import io.courier.http.ForeignSessions;
import io.courier.http.HttpRoute;
import io.courier.http.StaticResource;
import io.courier.internal.SmallStringMap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/WebSocket server: one listening socket, event loops (native epoll when available, else NIO), and the
 * routes mounted on it — Engine.IO endpoints by path prefix and static resources by exact path.
 *
 * <p>Several endpoints can share one port, e.g. Socket.IO on {@code /socket.io/} and a bare Engine.IO server on
 * {@code /engine.io/}. Mount everything before {@link #start()}; the route table is thread-safe.
 *
 * <pre>{@code
 * CourierHttpServer http = new CourierHttpServer("127.0.0.1", 3000, 0);
 * http.mount("/engine.io/", engine, CorsPolicy.anyOrigin()).start();
 * }</pre>
 */
public final class CourierHttpServer implements AutoCloseable {
    static {
        NettyDefaults.apply(); // before anything of Netty's initializes (an application may start here: Courier.attach)
    }

    private static final Logger log = LoggerFactory.getLogger(CourierHttpServer.class);

    /** Limits of the HTTP request head; larger heads get 431 (or 400) and the connection closes. */
    static final int MAX_INITIAL_LINE = 8192;

    static final int MAX_HEADER_SIZE = 16384;
    /** The HTTP decoder's settings, shared by every connection (the decoder reads them when it is made). */
    private static final HttpDecoderConfig DECODER_CONFIG =
            new HttpDecoderConfig().setMaxInitialLineLength(MAX_INITIAL_LINE).setMaxHeaderSize(MAX_HEADER_SIZE);

    private final String host;
    private final int requestedPort;
    private final int ioThreads;
    private final Routes routes = new Routes();
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel serverChannel;

    /**
     * @param host the address to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
     * @param port the port, or 0 for an ephemeral one (see {@link #port()})
     * @param ioThreads event loop threads; 0 means one per available processor
     */
    public CourierHttpServer(String host, int port, int ioThreads) {
        this.host = Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port : " + port + " (expected: 0-65535)");
        }
        if (ioThreads < 0) {
            throw new IllegalArgumentException("ioThreads : " + ioThreads + " (expected: >= 0)");
        }
        this.requestedPort = port;
        this.ioThreads = ioThreads;
    }

    /** Mounts an Engine.IO server under {@code path} (a prefix, e.g. {@code /socket.io/}). */
    public CourierHttpServer mount(String path, EngineIoServer engine, CorsPolicy cors) {
        return mount(path, engine, cors, null);
    }

    /**
     * Mounts an Engine.IO server that is one node of a cluster without sticky sessions: polling requests for a sid of
     * another node are forwarded to it through {@code foreign} (see {@link ForeignSessions}), which must give the
     * node id the engine was built with.
     */
    public CourierHttpServer mount(String path, EngineIoServer engine, CorsPolicy cors, ForeignSessions foreign) {
        if (foreign != null && !foreign.nodeId().equals(engine.nodeId())) {
            throw new IllegalArgumentException(
                    "foreign : node id " + foreign.nodeId() + " (expected: the engine's, " + engine.nodeId() + ")");
        }
        routes.add(new EngineEndpoint(path, engine, cors, foreign));
        return this;
    }

    /**
     * How long a connection may go without a complete HTTP request head (or POST body) before it is closed; the
     * default is the longest pingInterval + pingTimeout of the mounted endpoints plus 10 s (at least 30 s). Not
     * applied to WebSocket connections, whose heartbeat bounds them.
     */
    public CourierHttpServer idleTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout : " + timeout + " (expected: > 0)");
        }
        routes.idleTimeout(timeout);
        return this;
    }

    /**
     * Serves only requests whose {@code Host} header names one of {@code hosts} (any port; e.g. {@code localhost},
     * {@code hub.example}) or an IP address; any other is answered 421 (Misdirected Request) and the connection
     * closed. This defeats DNS rebinding: a page on {@code http://evil.example:3000} whose name the attacker points
     * at this server sends {@code Host: evil.example:3000}, and its requests, WebSocket upgrades included, are same
     * origin as far as the browser knows, so only the Host tells them apart. An IP address always passes (rebinding
     * needs a name). Requests without a Host header (HTTP/1.0 tools, not browsers) pass. The same-origin check of a
     * {@link CorsPolicy} thereby only ever trusts these hosts. Default: every host (no check).
     *
     * @param hosts host names without port, case-insensitive; IPv6 with or without brackets
     */
    public CourierHttpServer allowedHosts(Collection<String> hosts) {
        Set<String> set = new HashSet<>();
        for (String h : hosts) {
            String name = Routes.hostName(h);
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("allowedHosts : " + h + " (expected: a host name, e.g. localhost)");
            }
            set.add(name);
        }
        routes.allowedHosts = Set.copyOf(set);
        return this;
    }

    /** The hosts {@link #allowedHosts} accepts, or null for every host. */
    public Set<String> allowedHosts() {
        return routes.allowedHosts;
    }

    /** Serves {@code resource} at exactly {@code path}. */
    public CourierHttpServer resource(String path, StaticResource resource) {
        routes.resources.put(path, resource);
        return this;
    }

    /**
     * Serves plain HTTP requests for {@code path} (exactly) or, if it ends with {@code /}, for every path below it;
     * request bodies over {@code maxBodyBytes} are refused with 413. Checked after static resources and before the
     * engine endpoints.
     */
    public CourierHttpServer route(String path, int maxBodyBytes, HttpRoute route) {
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes : " + maxBodyBytes + " (expected: >= 0)");
        }
        routes.routes.add(new Routes.Mounted(path, maxBodyBytes, route));
        return this;
    }

    /**
     * The number of event loops: {@code ioThreads}, or for 0 one per available processor. Courier's loops never
     * block (handlers run on virtual threads unless added with {@code onInline}), so Netty's default of two per
     * processor, a hedge for loops that block, only adds loops that take turns on a core. Measured with the echo
     * benchmark on one core, 8 alternated runs of each against the raw-Netty ceiling in the same run: server CPU per
     * ack 1.09× the ceiling's with one loop, 1.18× with two (one loop cheaper in every pair of runs; 1.07× against
     * 1.12× with inline handlers), latency alike (BENCHMARKS.md, "What each change bought").
     */
    int eventLoops() {
        return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    }

    /** The event loops serving connections once started (for tests). */
    int runningEventLoops() {
        return ((io.netty.util.concurrent.MultithreadEventExecutorGroup) workerGroup).executorCount();
    }

    /** Binds and starts serving; returns once the socket listens. */
    public synchronized CourierHttpServer start() {
        if (serverChannel != null) {
            throw new IllegalStateException("already started");
        }
        boolean epoll = Epoll.isAvailable();
        bossGroup = new MultiThreadIoEventLoopGroup(
                1,
                new DefaultThreadFactory("courier-accept"),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        workerGroup = new MultiThreadIoEventLoopGroup(
                eventLoops(),
                new DefaultThreadFactory("courier-io"),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends ServerChannel> channelClass =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("http", new HttpServerCodec(DECODER_CONFIG))
                                .addLast("courier", new HttpRequestHandler(routes));
                    }
                });
        try {
            serverChannel = b.bind(host, requestedPort).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while binding " + host + ":" + requestedPort, e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.debug("listening on {} ({})", serverChannel.localAddress(), epoll ? "epoll" : "nio");
        for (EngineEndpoint e : routes.endpoints) {
            if (e.foreign() != null) {
                e.foreign().listening(address());
            }
        }
        return this;
    }

    /** The bound address; only after {@link #start()}. */
    public InetSocketAddress address() {
        if (serverChannel == null) {
            throw new IllegalStateException("not started");
        }
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** The bound port (the real one when 0 was requested); only after {@link #start()}. */
    public int port() {
        return address().getPort();
    }

    /** Closes every session with "server shutting down", stops listening and releases the event loops. */
    @Override
    public synchronized void close() {
        // stop accepting first, then say goodbye to every session (clients reconnect, elsewhere if they can)
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
            serverChannel = null;
        }
        for (EngineEndpoint e : routes.endpoints) {
            e.engine().closeAll(EngineIoCloseReason.SERVER_SHUTTING_DOWN);
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            workerGroup.shutdownGracefully(100, 3000, TimeUnit.MILLISECONDS).syncUninterruptibly();
            bossGroup = null;
            workerGroup = null;
        }
    }

    /** The route table shared by all connections. */
    static final class Routes {
        private final List<EngineEndpoint> endpoints = new CopyOnWriteArrayList<>();
        private final List<Mounted> routes = new CopyOnWriteArrayList<>();
        private final Map<String, StaticResource> resources = new ConcurrentHashMap<>();
        private Duration idleTimeout; // set, or null: derived from the endpoints' heartbeats
        private volatile long idleTimeoutMillis = idleTimeoutMillis(null, List.of());
        private volatile Set<String> allowedHosts; // null: every host
        private final RepeatedStrings repeatedStrings = new RepeatedStrings();
        private volatile SmallStringMap lastQuery = SmallStringMap.copyOf(Map.of());

        /** Strings the requests of many connections repeat, shared between their snapshots. */
        RepeatedStrings repeatedStrings() {
            return repeatedStrings;
        }

        /**
         * The query of {@code target} (each name's first value) as a session keeps it: the last request's map when
         * equal (WebSocket-only handshakes all send the same), checked before building a new one.
         */
        SmallStringMap sharedQuery(RequestTarget target) {
            SmallStringMap last = lastQuery;
            if (target.queryEquals(last)) {
                return last;
            }
            SmallStringMap.Builder query = new SmallStringMap.Builder(target.size());
            for (int i = 0; i < target.size(); i++) {
                if (target.first(i)) { // a repeated name keeps its first value
                    query.addNew(target.name(i), repeatedStrings.share(target.value(i)));
                }
            }
            SmallStringMap built = query.build();
            lastQuery = built;
            return built;
        }

        /** Whether a request with this Host header (may be null) may be served. */
        boolean hostAllowed(String hostHeader) {
            Set<String> allowed = allowedHosts;
            if (allowed == null || hostHeader == null) {
                return true;
            }
            String name = hostName(hostHeader);
            return name != null
                    && (allowed.contains(name) || NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name));
        }

        /** The host name of a Host header ({@code name}, {@code name:port}, {@code [v6]:port}), lower case; or null. */
        static String hostName(String host) {
            String h = host.trim();
            if (h.startsWith("[")) {
                int end = h.indexOf(']');
                return end < 0 ? null : h.substring(1, end).toLowerCase(Locale.ROOT);
            }
            int colon = h.indexOf(':');
            if (colon >= 0 && colon == h.lastIndexOf(':')) {
                h = h.substring(0, colon); // name:port
            }
            if (h.endsWith(".")) {
                h = h.substring(0, h.length() - 1); // the fully qualified spelling of the same name
            }
            return h.toLowerCase(Locale.ROOT);
        }

        /** Read for every request: computed when the setting or the endpoints change, not per request. */
        long idleTimeoutMillis() {
            return idleTimeoutMillis;
        }

        synchronized void idleTimeout(Duration timeout) {
            idleTimeout = timeout;
            idleTimeoutMillis = idleTimeoutMillis(timeout, endpoints);
        }

        synchronized void add(EngineEndpoint endpoint) {
            endpoints.add(endpoint);
            idleTimeoutMillis = idleTimeoutMillis(idleTimeout, endpoints);
        }

        private static long idleTimeoutMillis(Duration set, List<EngineEndpoint> endpoints) {
            if (set != null) {
                return set.toMillis();
            }
            long longest = 0;
            for (EngineEndpoint e : endpoints) {
                EngineIoConfig c = e.engine().config();
                longest =
                        Math.max(longest, c.pingInterval().plus(c.pingTimeout()).toMillis());
            }
            return Math.max(30_000, longest + 10_000);
        }

        StaticResource resource(String path) {
            return resources.get(path);
        }

        /** A route mounted at {@code path} itself or, for a prefix ending in {@code /}, anywhere below it. */
        record Mounted(String path, int maxBodyBytes, HttpRoute route) {
            boolean matches(String requested) {
                return path.endsWith("/") ? requested.startsWith(path) : requested.equals(path);
            }
        }

        Mounted route(String path) {
            // by index, not an iterator per request: the lists only ever grow (no route or endpoint is removed)
            for (int i = 0; i < routes.size(); i++) {
                Mounted m = routes.get(i);
                if (m.matches(path)) {
                    return m;
                }
            }
            return null;
        }

        EngineEndpoint endpoint(String path) {
            for (int i = 0; i < endpoints.size(); i++) {
                EngineEndpoint e = endpoints.get(i);
                if (e.matches(path)) {
                    return e;
                }
            }
            return null;
        }
    }
}
