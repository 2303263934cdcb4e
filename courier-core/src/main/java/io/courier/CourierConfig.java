package io.courier;

import io.courier.adapter.AdapterFactory;
import io.courier.adapter.LocalAdapter;
import io.courier.durable.MessageStoreFactory;
import io.courier.durable.Retention;
import io.courier.durable.StoreLimits;
import io.courier.engine.EngineIoConfig;
import io.courier.engine.PerMessageDeflate;
import io.courier.http.ForeignSessions;
import io.courier.journal.FsyncPolicy;
import io.courier.netty.CorsPolicy;
import io.courier.protocol.Parser;
import io.courier.recovery.RecoveryStoreFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Immutable server settings, built once by {@link Builder} (option names follow socket.io's). Every option has a
 * documented default.
 *
 * @param host address to bind; default {@code 0.0.0.0}
 * @param port port to bind, 0 for an ephemeral port; default 3000
 * @param path Socket.IO endpoint path; default {@code /socket.io/}
 * @param ioThreads event loop threads, 0 for one per processor; default 0
 * @param engine Engine.IO settings (pingInterval 25 s, pingTimeout 20 s, maxHttpBufferSize 1 MB, perMessageDeflate
 *     off, ...)
 * @param connectTimeout how long a new connection may take to join a namespace before it is closed; default 45 s
 * @param cors who may connect from a browser; default same origin only (see {@link CorsPolicy})
 * @param allowedHosts the {@code Host} names the server answers to (any port; IP addresses always pass), others get
 *     421 and their connection is closed: this defeats DNS rebinding; null (the default) for any host. Applied by
 *     {@link Courier#start()}
 * @param serveClient serve the official browser bundle at {@code <path>socket.io.js}, {@code .min.js} and, with the
 *     msgpack parser built in, {@code socket.io.msgpack.min.js}; default on
 * @param maxAttachments binary attachments allowed in one incoming packet (more closes the connection); default 10
 * @param maxQueuedEventsPerSocket incoming events waiting for one socket's handlers; past it the connection is closed
 *     with "inbound queue full"; default 1000
 * @param handlerExecutor where handlers run (serially per socket); null for a virtual thread per task (default)
 * @param adapterFactory the room index / fan-out of each namespace; default {@link LocalAdapter}
 * @param recovery Socket.IO's connection state recovery; default off
 * @param durable durable queues per client identity; default off
 * @param deduplication server-side deduplication of client retries; default off
 * @param foreignSessions in a cluster without sticky sessions, how polling requests for another node's session reach
 *     it (see {@link ForeignSessions}); default null: a single node, an unknown sid is answered 400
 * @param parser how Socket.IO packets are written in Engine.IO messages, both ways (socket.io's {@code parser}):
 *     {@link Parser#DEFAULT} (the text format, default) or {@link Parser#MSGPACK} ({@code socket.io-msgpack-parser});
 *     every client must use the matching parser
 */
public record CourierConfig(
        String host,
        int port,
        String path,
        int ioThreads,
        EngineIoConfig engine,
        Duration connectTimeout,
        CorsPolicy cors,
        Set<String> allowedHosts,
        boolean serveClient,
        int maxAttachments,
        int maxQueuedEventsPerSocket,
        Executor handlerExecutor,
        AdapterFactory adapterFactory,
        Recovery recovery,
        Durable durable,
        Deduplication deduplication,
        ForeignSessions foreignSessions,
        Parser parser) {

    /**
     * Socket.IO's {@code connectionStateRecovery}: a client that loses its connection for a recoverable reason and
     * comes back within {@code maxDisconnectionDuration} gets the same socket id, rooms and data, and every event it
     * missed, in order. Events are tagged with an offset (an extra last argument, as in Socket.IO); acknowledged and
     * droppable emits are not. The in-memory log holds at most {@code maxPackets} events (oldest dropped first) and
     * nothing older than {@code maxDisconnectionDuration}; a client whose offset is gone connects as a new socket.
     *
     * @param enabled whether recovery is on (default off, as in socket.io)
     * @param maxDisconnectionDuration how long a session can be restored (default 2 minutes)
     * @param skipMiddlewares whether a restored socket skips the connection middlewares (default true, as in
     *     socket.io)
     * @param maxPackets bound of the in-memory event log (default 100,000)
     * @param store opens the log and sessions' store (default {@link RecoveryStoreFactory#inMemory()}; with
     *     {@link RecoveryBuilder#durable(Path)} a segment log, so recovery survives a restart)
     */
    public record Recovery(
            boolean enabled,
            Duration maxDisconnectionDuration,
            boolean skipMiddlewares,
            int maxPackets,
            RecoveryStoreFactory store) {
        static Recovery off() {
            return new Recovery(false, Duration.ofMinutes(2), true, 100_000, RecoveryStoreFactory.inMemory());
        }
    }

    /**
     * Durable queues (see {@link DurableQueues}): messages published to channels wait, on disk, until each durable
     * subscriber acknowledged them.
     *
     * @param enabled whether durable queues are on (default off)
     * @param store opens the queues' store (default {@link MessageStoreFactory#inMemory()}: lost on restart; with
     *     {@link DurableBuilder#directory(Path)} the embedded segment log)
     * @param namespace the namespace whose sockets can be durable identities (default {@code /})
     * @param identity a socket's durable identity from its handshake, or null for an ordinary (anonymous) socket;
     *     default: the {@code clientId} member of the CONNECT auth object
     * @param inFlightWindow deliveries a subscriber may have unacknowledged per channel before it gets no more
     *     (default 256)
     * @param retention per channel, how long unacknowledged messages are kept (default {@link Retention#DEFAULT})
     * @param fsync when a publish is acknowledged relative to fsync (default {@link FsyncPolicy#ALWAYS})
     * @param maintenanceInterval how often cursors are saved and acknowledged or expired messages removed (default
     *     1 s)
     * @param limits how many subscriptions and channels clients may make the store keep (default
     *     {@link StoreLimits#DEFAULT})
     */
    public record Durable(
            boolean enabled,
            MessageStoreFactory store,
            String namespace,
            Function<Handshake, String> identity,
            int inFlightWindow,
            Function<String, Retention> retention,
            FsyncPolicy fsync,
            Duration maintenanceInterval,
            StoreLimits limits) {
        /** The default {@code inFlightWindow}: about Spring AMQP's default prefetch (250). */
        public static final int DEFAULT_IN_FLIGHT_WINDOW = 256;

        static Durable off() {
            return new DurableBuilder().build(false);
        }
    }

    /** Options of {@link Builder#durableQueues}. */
    public static final class DurableBuilder {
        private MessageStoreFactory store = MessageStoreFactory.inMemory();
        private String namespace = "/";
        private Function<Handshake, String> identity = h -> h.auth("clientId").orElse(null);
        private int inFlightWindow = Durable.DEFAULT_IN_FLIGHT_WINDOW;
        private Function<String, Retention> retention = channel -> Retention.DEFAULT;
        private FsyncPolicy fsync = FsyncPolicy.ALWAYS;
        private Duration maintenanceInterval = Duration.ofSeconds(1);
        private StoreLimits limits = StoreLimits.DEFAULT;

        private DurableBuilder() {}

        /** Keeps the queues in {@code dir} (the embedded segment-log store); without it they live in memory. */
        public DurableBuilder directory(Path dir) {
            return store(MessageStoreFactory.journal(dir));
        }

        /** The store of the queues, e.g. a cluster's; replaces {@link #directory(Path)}. */
        public DurableBuilder store(MessageStoreFactory factory) {
            this.store = Objects.requireNonNull(factory, "store");
            return this;
        }

        public DurableBuilder namespace(String name) {
            this.namespace = Objects.requireNonNull(name, "name").startsWith("/") ? name : "/" + name;
            return this;
        }

        /** How a socket's durable identity is found in its handshake (null: not a durable identity). */
        public DurableBuilder identity(Function<Handshake, String> resolver) {
            this.identity = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        public DurableBuilder inFlightWindow(int window) {
            if (window < 1 || window > 100_000) {
                throw new IllegalArgumentException("inFlightWindow : " + window + " (expected: 1-100000)");
            }
            this.inFlightWindow = window;
            return this;
        }

        /** The same retention for every channel. */
        public DurableBuilder retention(Retention retention) {
            Objects.requireNonNull(retention, "retention");
            this.retention = channel -> retention;
            return this;
        }

        /** Retention by channel name (called often: make it cheap). */
        public DurableBuilder retention(Function<String, Retention> byChannel) {
            this.retention = Objects.requireNonNull(byChannel, "byChannel");
            return this;
        }

        public DurableBuilder fsync(FsyncPolicy policy) {
            this.fsync = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public DurableBuilder maintenanceInterval(Duration interval) {
            this.maintenanceInterval = Builder.positive("maintenanceInterval", interval);
            return this;
        }

        /** Bounds on subscriptions (per identity and in all) and channels; beyond them a subscribe or publish fails. */
        public DurableBuilder limits(StoreLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        private Durable build(boolean enabled) {
            return new Durable(
                    enabled, store, namespace, identity, inFlightWindow, retention, fsync, maintenanceInterval, limits);
        }
    }

    /**
     * Server-side deduplication of client retries (socket.io-client's {@code retries} option re-sends an event whose
     * ack did not come in time). Per socket, an event is a duplicate when its ack id, or its name and application key
     * ({@code idempotencyKey}), arrived within {@code window}: its handlers do not run again and it is acknowledged,
     * under its own ack id, with the first event's reply, now or when that reply comes. Events without a key and
     * without an ack id are never duplicates. At most {@code maxKeys} keys per socket are remembered, oldest forgotten
     * first; a retry of a forgotten event runs the handlers again.
     *
     * @param enabled whether deduplication is on (default off)
     * @param window how long a key is remembered after its event arrived (default 2 minutes)
     * @param maxKeys keys remembered per socket (default 1,000)
     * @param idempotencyKey finds an event's application key (default {@link IdempotencyKey#DEFAULT})
     */
    public record Deduplication(boolean enabled, Duration window, int maxKeys, IdempotencyKey idempotencyKey) {
        static Deduplication off() {
            return new Deduplication(false, Duration.ofMinutes(2), 1000, IdempotencyKey.DEFAULT);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects and validates options; {@link #build()} freezes them. Setters throw on invalid values. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int port = 3000;
        private String path = "/socket.io/";
        private int ioThreads = 0;
        private Duration pingInterval = Duration.ofSeconds(25);
        private Duration pingTimeout = Duration.ofSeconds(20);
        private Duration upgradeTimeout = Duration.ofSeconds(10);
        private int maxHttpBufferSize = 1_000_000;
        private long maxBufferedBytes = 16L * 1024 * 1024;
        private Set<String> transports = Set.of(EngineIoConfig.POLLING, EngineIoConfig.WEBSOCKET);
        private boolean allowUpgrades = true;
        private PerMessageDeflate perMessageDeflate;
        private Duration connectTimeout = Duration.ofSeconds(45);
        private CorsPolicy cors = CorsPolicy.sameOriginOnly();
        private Set<String> allowedHosts;
        private boolean serveClient = true;
        private int maxAttachments = 10;
        private int maxQueuedEventsPerSocket = 1000;
        private Executor handlerExecutor;
        private AdapterFactory adapterFactory = LocalAdapter::new;
        private Recovery recovery = Recovery.off();
        private Durable durable = Durable.off();
        private Deduplication deduplication = Deduplication.off();
        private ForeignSessions foreignSessions;
        private Parser parser = Parser.DEFAULT;

        private Builder() {}

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port : " + port + " (expected: 0-65535)");
            }
            this.port = port;
            return this;
        }

        public Builder path(String path) {
            if (path == null || path.isBlank() || path.contains("?")) {
                throw new IllegalArgumentException("path : " + path + " (expected: e.g. /socket.io/)");
            }
            String p = path.startsWith("/") ? path : "/" + path;
            this.path = p.endsWith("/") ? p : p + "/";
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            if (ioThreads < 0) {
                throw new IllegalArgumentException("ioThreads : " + ioThreads + " (expected: >= 0)");
            }
            this.ioThreads = ioThreads;
            return this;
        }

        public Builder pingInterval(Duration d) {
            this.pingInterval = positive("pingInterval", d);
            return this;
        }

        public Builder pingTimeout(Duration d) {
            this.pingTimeout = positive("pingTimeout", d);
            return this;
        }

        public Builder upgradeTimeout(Duration d) {
            this.upgradeTimeout = positive("upgradeTimeout", d);
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive("connectTimeout", d);
            return this;
        }

        /** The largest message a client may send, in bytes (413 over polling, close 1009 over WebSocket). */
        public Builder maxHttpBufferSize(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxHttpBufferSize : " + bytes + " (expected: > 0)");
            }
            this.maxHttpBufferSize = bytes;
            return this;
        }

        /** Bound of one connection's outbound buffer; see {@link EngineIoConfig#maxBufferedBytes()}. */
        public Builder maxBufferedBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxBufferedBytes : " + bytes + " (expected: > 0)");
            }
            this.maxBufferedBytes = bytes;
            return this;
        }

        /** Allowed transports: {@code "polling"}, {@code "websocket"}. */
        public Builder transports(String... transports) {
            this.transports = Set.of(transports);
            return this;
        }

        public Builder allowUpgrades(boolean allow) {
            this.allowUpgrades = allow;
            return this;
        }

        /**
         * Turns on WebSocket compression (permessage-deflate, RFC 7692; socket.io's {@code perMessageDeflate}, off by
         * default): {@code perMessageDeflate(d -> {})} for socket.io's defaults (messages from 1024 bytes up are
         * compressed), or e.g. {@code perMessageDeflate(d -> d.threshold(4096).serverNoContextTakeover(true))}. Only
         * connections whose client offers the extension compress (browsers and Node's {@code ws} do); emits with
         * {@code compress(false)} go out uncompressed. See {@link PerMessageDeflate}.
         */
        public Builder perMessageDeflate(java.util.function.Consumer<PerMessageDeflateBuilder> configure) {
            PerMessageDeflateBuilder d = new PerMessageDeflateBuilder();
            configure.accept(d);
            this.perMessageDeflate = new PerMessageDeflate(
                    d.threshold, d.level, d.serverNoContextTakeover, d.clientNoContextTakeover, d.clientMaxWindowBits);
            return this;
        }

        /** {@code false} turns WebSocket compression off again (the default); {@code true} is {@code d -> {}}. */
        public Builder perMessageDeflate(boolean on) {
            this.perMessageDeflate = on ? PerMessageDeflate.defaults() : null;
            return this;
        }

        /** Sets the CORS policy directly. */
        public Builder cors(CorsPolicy policy) {
            this.cors = Objects.requireNonNull(policy, "cors");
            return this;
        }

        /** Configures CORS: {@code cors(c -> c.allowOrigin("https://chat.example"))} or {@code c.allowAnyOrigin()}. */
        public Builder cors(java.util.function.Consumer<Cors> configure) {
            Cors c = new Cors();
            configure.accept(c);
            this.cors = c.any ? CorsPolicy.anyOrigin() : CorsPolicy.origins(c.origins, c.credentials);
            return this;
        }

        /**
         * Answers only requests whose {@code Host} header names one of {@code hosts} (host names without scheme or
         * port, case-insensitive, e.g. {@code localhost}, {@code hub.example}) or an IP address; any other request,
         * WebSocket upgrades included, is answered 421 (Misdirected Request) and its connection closed. A page whose
         * name an attacker points at this server (DNS rebinding) is same-origin as far as the browser knows; only its
         * Host tells it apart. Requests without a Host header (HTTP/1.0 tools, not browsers) pass. Default: any host.
         */
        public Builder allowedHosts(java.util.Collection<String> hosts) {
            Set<String> set = new java.util.LinkedHashSet<>();
            for (String h : hosts) {
                if (h == null || h.isBlank() || h.contains("/") || h.contains(" ")) {
                    throw new IllegalArgumentException(
                            "allowedHosts : " + h + " (expected: a host name without scheme or path, e.g. localhost)");
                }
                set.add(h);
            }
            this.allowedHosts = java.util.Collections.unmodifiableSet(set);
            return this;
        }

        public Builder serveClient(boolean serve) {
            this.serveClient = serve;
            return this;
        }

        public Builder maxAttachments(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxAttachments : " + max + " (expected: >= 0)");
            }
            this.maxAttachments = max;
            return this;
        }

        public Builder maxQueuedEventsPerSocket(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxQueuedEventsPerSocket : " + max + " (expected: > 0)");
            }
            this.maxQueuedEventsPerSocket = max;
            return this;
        }

        /** Where handlers run; they still run serially per socket. Default: a virtual thread per task. */
        public Builder handlerExecutor(Executor executor) {
            this.handlerExecutor = Objects.requireNonNull(executor, "handlerExecutor");
            return this;
        }

        public Builder adapter(AdapterFactory factory) {
            this.adapterFactory = Objects.requireNonNull(factory, "adapter");
            return this;
        }

        /**
         * Makes this server a node of a cluster that needs no sticky sessions for long-polling: its sids start with
         * {@code foreign.nodeId()}, and a polling request for another node's sid is forwarded to that node, e.g.
         * {@code foreignSessions(SessionForwarder.create(cluster))} with courier-redis. See {@link ForeignSessions}.
         */
        public Builder foreignSessions(ForeignSessions foreign) {
            this.foreignSessions = Objects.requireNonNull(foreign, "foreignSessions");
            return this;
        }

        /**
         * How Socket.IO packets are written on the wire, both ways (socket.io's {@code parser} option):
         * {@link Parser#DEFAULT} (default) or {@link Parser#MSGPACK}, which clients match with
         * {@code parser: require("socket.io-msgpack-parser")}.
         */
        public Builder parser(Parser parser) {
            this.parser = Objects.requireNonNull(parser, "parser");
            return this;
        }

        /**
         * Turns connection state recovery on: {@code connectionStateRecovery(r -> r.maxDisconnectionDuration(d))}.
         */
        public Builder connectionStateRecovery(java.util.function.Consumer<RecoveryBuilder> configure) {
            RecoveryBuilder r = new RecoveryBuilder();
            configure.accept(r);
            this.recovery = new Recovery(true, r.maxDisconnectionDuration, r.skipMiddlewares, r.maxPackets, r.store);
            return this;
        }

        /** Turns durable queues on: {@code durableQueues(d -> d.directory(Path.of("data")))}. */
        public Builder durableQueues(java.util.function.Consumer<DurableBuilder> configure) {
            DurableBuilder d = new DurableBuilder();
            configure.accept(d);
            this.durable = d.build(true);
            return this;
        }

        /**
         * Turns deduplication of client retries on: {@code deduplication(d -> {})} for the defaults, or e.g. {@code
         * deduplication(d -> d.window(Duration.ofMinutes(5)).idempotencyKey(IdempotencyKey.property("requestId")))}.
         */
        public Builder deduplication(java.util.function.Consumer<DeduplicationBuilder> configure) {
            DeduplicationBuilder d = new DeduplicationBuilder();
            configure.accept(d);
            this.deduplication = new Deduplication(true, d.window, d.maxKeys, d.idempotencyKey);
            return this;
        }

        public CourierConfig build() {
            EngineIoConfig engine = new EngineIoConfig(
                    pingInterval,
                    pingTimeout,
                    upgradeTimeout,
                    maxHttpBufferSize,
                    maxBufferedBytes,
                    transports,
                    allowUpgrades,
                    perMessageDeflate);
            return new CourierConfig(
                    host,
                    port,
                    path,
                    ioThreads,
                    engine,
                    connectTimeout,
                    cors,
                    allowedHosts,
                    serveClient,
                    maxAttachments,
                    maxQueuedEventsPerSocket,
                    handlerExecutor,
                    adapterFactory,
                    recovery,
                    durable,
                    deduplication,
                    foreignSessions,
                    parser);
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " : " + d + " (expected: > 0)");
            }
            return d;
        }
    }

    /** Options of {@link Builder#connectionStateRecovery}. */
    public static final class RecoveryBuilder {
        private Duration maxDisconnectionDuration = Duration.ofMinutes(2);
        private boolean skipMiddlewares = true;
        private int maxPackets = 100_000;
        private RecoveryStoreFactory store = RecoveryStoreFactory.inMemory();

        private RecoveryBuilder() {}

        /** Also writes the log and sessions to {@code dir} (a segment log), so recovery survives a restart. */
        public RecoveryBuilder durable(Path dir) {
            return store(RecoveryStoreFactory.journal(dir));
        }

        /** The store of the log and sessions, e.g. a cluster's; replaces {@link #durable(Path)}. */
        public RecoveryBuilder store(RecoveryStoreFactory factory) {
            this.store = java.util.Objects.requireNonNull(factory, "store");
            return this;
        }

        public RecoveryBuilder maxDisconnectionDuration(Duration d) {
            this.maxDisconnectionDuration = Builder.positive("maxDisconnectionDuration", d);
            return this;
        }

        public RecoveryBuilder skipMiddlewares(boolean skip) {
            this.skipMiddlewares = skip;
            return this;
        }

        public RecoveryBuilder maxPackets(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxPackets : " + max + " (expected: > 0)");
            }
            this.maxPackets = max;
            return this;
        }
    }

    /** Options of {@link Builder#perMessageDeflate}; see {@link PerMessageDeflate} for what each does. */
    public static final class PerMessageDeflateBuilder {
        private final PerMessageDeflate defaults = PerMessageDeflate.defaults();
        private int threshold = defaults.threshold();
        private int level = defaults.level();
        private boolean serverNoContextTakeover = defaults.serverNoContextTakeover();
        private boolean clientNoContextTakeover = defaults.clientNoContextTakeover();
        private int clientMaxWindowBits = defaults.clientMaxWindowBits();

        private PerMessageDeflateBuilder() {}

        /** Messages smaller than this many bytes go out uncompressed; default 1024. */
        public PerMessageDeflateBuilder threshold(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("threshold : " + bytes + " (expected: >= 0)");
            }
            this.threshold = bytes;
            return this;
        }

        /** zlib level 1 (fastest) to 9 (smallest); default 6. */
        public PerMessageDeflateBuilder level(int level) {
            if (level < 1 || level > 9) {
                throw new IllegalArgumentException("level : " + level + " (expected: 1-9)");
            }
            this.level = level;
            return this;
        }

        /** Compress each message on its own: a worse ratio, no deflater kept between messages; default false. */
        public PerMessageDeflateBuilder serverNoContextTakeover(boolean on) {
            this.serverNoContextTakeover = on;
            return this;
        }

        /** Ask clients to compress each message on its own; default false. */
        public PerMessageDeflateBuilder clientNoContextTakeover(boolean on) {
            this.clientNoContextTakeover = on;
            return this;
        }

        /** The largest window (8-15 bits) clients may compress with, when they offer to take a limit; default 15. */
        public PerMessageDeflateBuilder clientMaxWindowBits(int bits) {
            if (bits < 8 || bits > 15) {
                throw new IllegalArgumentException("clientMaxWindowBits : " + bits + " (expected: 8-15)");
            }
            this.clientMaxWindowBits = bits;
            return this;
        }
    }

    /** Options of {@link Builder#deduplication}. */
    public static final class DeduplicationBuilder {
        private Duration window = Duration.ofMinutes(2);
        private int maxKeys = 1000;
        private IdempotencyKey idempotencyKey = IdempotencyKey.DEFAULT;

        private DeduplicationBuilder() {}

        /** How long a key is remembered after its event arrived. */
        public DeduplicationBuilder window(Duration d) {
            this.window = Builder.positive("window", d);
            return this;
        }

        /** Keys remembered per socket; past it the oldest is forgotten. */
        public DeduplicationBuilder maxKeys(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxKeys : " + max + " (expected: > 0)");
            }
            this.maxKeys = max;
            return this;
        }

        /** How to find an event's application key; {@link IdempotencyKey#NONE} to deduplicate by ack id only. */
        public DeduplicationBuilder idempotencyKey(IdempotencyKey key) {
            this.idempotencyKey = Objects.requireNonNull(key, "idempotencyKey");
            return this;
        }
    }

    /** CORS options, as in socket.io's {@code cors} option. */
    public static final class Cors {
        private final List<String> origins = new ArrayList<>();
        private boolean any;
        private boolean credentials;

        private Cors() {}

        /** Allows browsers on this origin, e.g. {@code https://chat.example}. */
        public Cors allowOrigin(String origin) {
            if ("*".equals(origin)) {
                any = true;
            } else {
                origins.add(origin);
            }
            return this;
        }

        /** Allows every origin ({@code Access-Control-Allow-Origin: *}); cannot be combined with credentials. */
        public Cors allowAnyOrigin() {
            any = true;
            return this;
        }

        /** Sends {@code Access-Control-Allow-Credentials: true} to the listed origins. */
        public Cors credentials(boolean allow) {
            if (allow && any) {
                throw new IllegalArgumentException("credentials : true (expected: not with any origin)");
            }
            credentials = allow;
            return this;
        }
    }
}
