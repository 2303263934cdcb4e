package io.courier.standalone;

import io.courier.Courier;
import io.courier.CourierConfig;
import io.courier.durable.StoreLimits;
import io.courier.http.StaticResource;
import io.courier.protocol.Parser;
import io.courier.redis.RedisCluster;
import io.courier.redis.RedisMessageStore;
import io.courier.redis.SessionForwarder;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The {@code courier} command: the standalone server, or {@code conformance} for the test-suite contract.
 *
 * <p>Flags come after the optional subcommand; each also reads an environment variable (shown in {@code --help}).
 */
public final class Main {
    static {
        // Courier's class initialization sets Netty's defaults (README, "Netty's object recycler is off"): it must come
        // before the Redis client of a cluster hub, which starts Netty before the hub creates its Courier
        try {
            Class.forName(Courier.class.getName(), true, Main.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final String USAGE = """
            Usage: courier [conformance] [options]

            Starts the Courier hub (Socket.IO v5 / Engine.IO v4, durable queues, HTTP API at /api/, metrics at
            /metrics, health at /healthz and /readyz, the demo page at /) with embedded defaults.
              conformance          serve the official test-suite contract instead (README, "Conformance"):
                                   bare Engine.IO echo on /engine.io/ and Socket.IO on /socket.io/, and the
                                   recovery contract (connection state recovery on) on port + 1

            Options:
              --port P             port to listen on (default 3000; env COURIER_PORT)
              --host H             address to bind (default 127.0.0.1; env COURIER_HOST; 0.0.0.0 for all)
              --path P             Socket.IO path (default /socket.io/; env COURIER_PATH)
              --cors-origin O      allow browsers on origin O (repeatable; * for any; env COURIER_CORS_ORIGINS,
                                   comma-separated). Default: same origin only
              --cors-credentials   also send Access-Control-Allow-Credentials: true (with the request's origin,
                                   never *) to those origins: browser clients with withCredentials, such
                                   as the Socket.IO Admin UI over polling (YAML corsCredentials: true)
              --allowed-host H     answer requests whose Host header is H (repeatable; * for any; env
                                   COURIER_ALLOWED_HOSTS, comma-separated); others get 421 (DNS rebinding).
                                   IP addresses always pass. Default in dev mode: localhost, 127.0.0.1, ::1;
                                   with an API key and a JWT secret: any
              --data DIR           the durable store: the durable queues live in DIR/queues and survive
                                   restarts (default ./courier-data; env COURIER_DATA)
              --config FILE        read options and channel rules from a YAML file (env COURIER_CONFIG; default
                                   none); environment variables and flags override it (README,
                                   "Configuration file"). Channel rules live only there; without them
                                   every channel exists, is durable for clients with an identity, is open
                                   to anyone, and keeps unacknowledged messages 7 days or 1 GiB
              --api-key KEY        require "Authorization: Bearer KEY" on /api/* (env COURIER_API_KEY).
                                   Without it the hub runs in dev mode: the HTTP API is open to anyone
                                   who can reach the port (bound to 127.0.0.1 by default)
              --metrics-token T    also accept "Authorization: Bearer T" on /metrics (env
                                   COURIER_METRICS_TOKEN). With an API key or a metrics token, /metrics
                                   needs one of them
              --metrics-public     serve /metrics to anyone (it names channels and counts clients)
              --jwt-secret S       clients must connect with auth: { token } signed HS256 with S; its sub is
                                   the client id, its channels / publish claims what it may subscribe and
                                   publish to (env COURIER_JWT_SECRET). Without it (dev mode) a client
                                   names itself with auth: { clientId }. A token without exp is refused;
                                   when a token expires its socket is disconnected
              --no-jwt-require-exp
                                   accept tokens without exp (YAML jwtRequireExp: false)
              --admin-password P   serve the official Socket.IO Admin UI protocol on /admin, for user
                                   --admin-user U (default admin) with password P (env COURIER_ADMIN_PASSWORD);
                                   without a password there is no /admin namespace. 5 failed logins in a
                                   minute block the address (1 min, doubling up to 1 h); a session lasts 24 h
                                   (YAML admin.sessionTtl)
              --redis URI          join a cluster of hubs over Redis (redis://HOST:PORT; env COURIER_REDIS): Socket.IO
                                   broadcasts, rooms and server-side emits cross nodes, wire-compatible with
                                   @socket.io/redis-adapter, and the durable queues live in Redis, shared by every
                                   node (--data is then unused). Waits for Redis at start; /readyz answers 503
                                   while Redis is unreachable
              --redis-key K        the cluster's channel and key prefix (default socket.io; env COURIER_REDIS_KEY)
              --in-flight-window N deliveries a durable subscriber may leave unacknowledged per channel before
                                   it gets no more (default 256; env COURIER_IN_FLIGHT_WINDOW; YAML
                                   inFlightWindow): lower it for large messages
              --ping-interval MS   heartbeat interval (default 25000; conformance 300)
              --ping-timeout MS    heartbeat timeout (default 20000; conformance 200)
              --per-message-deflate
                                   compress WebSocket messages of 1024 bytes and more for clients that offer
                                   permessage-deflate (browsers and Node do); costs ~300 KB of native memory
                                   per such connection (env COURIER_PER_MESSAGE_DEFLATE=true; YAML
                                   perMessageDeflate, which also takes the extension's options). Default off
              --per-message-deflate-threshold BYTES
                                   compress only messages of at least BYTES (default 1024; turns it on; env
                                   COURIER_PER_MESSAGE_DEFLATE_THRESHOLD)
              --no-per-message-deflate
                                   turn it off whatever the file or environment says
              --parser P           the Socket.IO wire format: default, or msgpack (socket.io-msgpack-parser;
                                   every client then needs parser: require("socket.io-msgpack-parser"),
                                   the demo page and the Admin UI too; env COURIER_PARSER). Also for
                                   conformance: --parser msgpack serves both contracts over msgpack
              --no-serve-client    do not serve the browser bundle at <path>socket.io.js
              --help               print this help
            """;

    private Main() {}

    /** Exit status of a bad flag, environment variable or configuration file value. */
    static final int BAD_OPTIONS = 2;
    /** Exit status of a server that could not start (a bad data directory, a port in use, ...). */
    static final int START_FAILED = 1;

    public static void main(String[] args) throws InterruptedException {
        Launched launched = launch(List.of(args), System.getenv(), System.out, System.err);
        if (launched.server() == null) {
            System.exit(launched.exitCode());
            return;
        }
        AutoCloseable server = launched.server();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                // shutting down anyway
            }
            stopped.countDown();
        }));
        stopped.await();
    }

    /**
     * What {@link #launch} did: started a server (then {@code server} is running and the caller closes it), or did not,
     * and the process should exit with {@code exitCode}.
     */
    record Launched(int exitCode, AutoCloseable server) {
        static Launched exit(int code) {
            return new Launched(code, null);
        }
    }

    /**
     * Parses {@code args} (with {@code env} as the environment) and starts the server it describes, printing the
     * start-up line to {@code out}. A mistake is one line {@code courier: ...} on {@code err} that names where the bad
     * value came from (flag, environment variable, or configuration file and key), and exit status 2; a server that
     * cannot start is one such line and status 1. {@code --help} prints the usage to {@code out}, status 0.
     */
    static Launched launch(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(args);
        boolean conformance = !rest.isEmpty() && rest.get(0).equals("conformance");
        if (conformance) {
            rest.remove(0);
        }
        Options options;
        try {
            options = Options.parse(rest, env);
        } catch (IllegalArgumentException e) {
            err.println("courier: " + e.getMessage());
            return Launched.exit(BAD_OPTIONS);
        }
        if (options.help) {
            out.print(USAGE);
            return Launched.exit(0);
        }
        try {
            return new Launched(0, conformance ? startConformance(options, out) : startStandalone(options, out, err));
        } catch (IllegalArgumentException e) {
            // a value the library refuses (CourierConfig): still a bad option
            err.println("courier: " + e.getMessage());
            return Launched.exit(BAD_OPTIONS);
        } catch (StartFailure e) {
            err.println("courier: " + e.getMessage());
            return Launched.exit(START_FAILED);
        } catch (Exception e) {
            // unforeseen: still one line, with the exception's class for whoever reports it
            err.println("courier: cannot start: " + StartFailure.reason(e));
            return Launched.exit(START_FAILED);
        }
    }

    static AutoCloseable startConformance(Options options, PrintStream out) {
        Consumer<CourierConfig.Builder> timings = c -> {
            if (options.pingInterval != null) {
                c.pingInterval(options.pingInterval);
            }
            if (options.pingTimeout != null) {
                c.pingTimeout(options.pingTimeout);
            }
            c.parser(options.parser);
        };
        ConformanceServer main;
        try {
            main = ConformanceServer.start(options.host, options.port, timings);
        } catch (Exception e) { // Netty throws the bind's IOException unchecked
            throw new StartFailure(StartFailure.listen(options, e));
        }
        ConformanceServer recovery;
        try {
            recovery = ConformanceServer.startRecovery(options.host, main.port() + 1, timings);
        } catch (Exception e) {
            int port = main.port() + 1;
            main.close();
            throw new StartFailure("cannot listen on " + options.host + ":" + port
                    + " (the recovery contract, port + 1): " + StartFailure.reason(e));
        }
        out.println("Courier conformance server listening on http://" + options.host + ":" + main.port()
                + " (Engine.IO echo at /engine.io/, Socket.IO at /socket.io/) and, with connection state recovery, on"
                + " port " + recovery.port()
                + (options.parser == Parser.DEFAULT ? "" : "; parser " + options.parser.name()));
        return () -> {
            main.close();
            recovery.close();
        };
    }

    static AutoCloseable startStandalone(Options options, PrintStream out, PrintStream err) {
        ChannelRules rules = options.channels == null ? ChannelRules.devMode() : options.channels;
        Clock clock = Clock.systemUTC();
        List<String> allowedHosts = options.effectiveAllowedHosts();
        RedisCluster cluster = options.redis == null ? null : joinCluster(options, err);
        // polling without sticky sessions: a request for another node's session is forwarded to that node
        SessionForwarder forwarder = cluster == null ? null : SessionForwarder.create(cluster);
        AutoCloseable leaveCluster = cluster == null
                ? () -> {}
                : () -> {
                    forwarder.close();
                    cluster.close();
                };
        Courier io;
        try {
            io = Courier.create(c -> {
                c.host(options.host)
                        .port(options.port)
                        .path(options.path)
                        .serveClient(options.serveClient)
                        .parser(options.parser);
                if (cluster != null) {
                    c.adapter(cluster).foreignSessions(forwarder);
                }
                // no connection state recovery: the hub's deliveries carry {channel, id, seq} as their only extra
                // argument, and identified clients get the durable queue instead
                c.durableQueues(d -> (cluster == null
                                ? d.directory(options.data.resolve("queues"))
                                : d.store(RedisMessageStore.factory(options.redis, options.redisKey + ":queues")))
                        .retention(rules::retention)
                        .limits(options.limits)
                        .inFlightWindow(
                                options.inFlightWindow != null
                                        ? options.inFlightWindow
                                        : CourierConfig.Durable.DEFAULT_IN_FLIGHT_WINDOW)
                        .identity(HubProtocol.identityResolver(options.jwtSecret, options.jwtRequireExp, clock)));
                if (options.pingInterval != null) {
                    c.pingInterval(options.pingInterval);
                }
                if (options.pingTimeout != null) {
                    c.pingTimeout(options.pingTimeout);
                }
                if (!options.corsOrigins.isEmpty()) {
                    c.cors((CourierConfig.Cors cors) -> {
                        options.corsOrigins.forEach(cors::allowOrigin);
                        cors.credentials(options.corsCredentials);
                    });
                }
                if (allowedHosts != null) {
                    c.allowedHosts(allowedHosts);
                }
                if (options.perMessageDeflate) {
                    c.perMessageDeflate(d -> d.threshold(options.deflateThreshold)
                            .level(options.deflateLevel)
                            .serverNoContextTakeover(options.deflateServerNoContextTakeover)
                            .clientNoContextTakeover(options.deflateClientNoContextTakeover)
                            .clientMaxWindowBits(options.deflateClientMaxWindowBits));
                }
            });
        } catch (UncheckedIOException e) {
            close(leaveCluster);
            // the durable store could not be opened: a data directory that is a file, not writable, ...
            throw new StartFailure("cannot use the data directory " + options.data + " (" + options.source("data")
                    + "): " + StartFailure.reason(e.getCause()));
        }
        HubProtocol hub = new HubProtocol(io, rules, options.jwtSecret, options.jwtRequireExp, clock);
        hub.install();
        AutoCloseable admin = options.adminPassword == null
                ? () -> {}
                : AdminNamespace.install(
                        io,
                        new AdminNamespace.Options(
                                options.adminNamespace,
                                options.adminUser,
                                options.adminPassword,
                                options.adminReadonly,
                                options.adminDevelopment,
                                options.adminSessionTtl));
        io.resource("/", StaticResource.of(resource("index.html"), "text/html; charset=utf-8"));
        HubHttpApi api = HubHttpApi.mount(io, hub, options.apiKey);
        if (cluster != null) {
            api.alsoReadyWhen(cluster::connected);
        }
        List<String> metricsTokens = options.metricsPublic
                ? List.of()
                : Stream.of(options.metricsToken, options.apiKey)
                        .filter(Objects::nonNull)
                        .toList();
        Metrics.mount(io, metricsTokens, cluster == null ? List.of() : List.of(cluster));
        try {
            io.start();
        } catch (Exception e) { // Netty throws the bind's IOException unchecked
            try {
                admin.close();
            } catch (Exception ignored) {
                // failing anyway
            }
            io.close();
            close(leaveCluster);
            throw new StartFailure(StartFailure.listen(options, e));
        }
        api.ready(true);
        List<String> devMode = new ArrayList<>();
        if (options.apiKey == null) {
            devMode.add("no API key: anyone who reaches the port may publish and read channels with /api/");
        }
        if (options.jwtSecret == null) {
            devMode.add("no JWT secret: a client may name itself any clientId and take that client's queue");
        }
        out.println("Courier listening on http://" + options.host + ":" + io.port() + " (Socket.IO at " + options.path
                + (options.parser == Parser.DEFAULT ? "" : " with the " + options.parser.name() + " parser")
                + ", demo page at /, HTTP API at /api/, metrics at /metrics"
                + (metricsTokens.isEmpty() ? " (open to anyone)" : " (Bearer token)")
                + (devMode.isEmpty() ? "" : "; DEV MODE: " + String.join(", ", devMode))
                + (allowedHosts == null
                        ? ""
                        : "; answers only to Host " + String.join(", ", allowedHosts)
                                + " or an IP address (--allowed-host adds one)")
                + (options.channels == null
                        ? "; every channel open and durable"
                        : "; " + rules.rules().size() + " channel rule(s)")
                + (cluster == null
                        ? "; durable queues in " + options.data.toAbsolutePath().normalize()
                        : "; in the cluster over Redis at " + options.redis + " (key " + options.redisKey
                                + "), durable queues in Redis")
                + ")");
        return new StandaloneServer(io, api, admin, leaveCluster);
    }

    private static byte[] resource(String name) {
        try (InputStream in = Main.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server could not start; the message is the one line to print. */
    static final class StartFailure extends RuntimeException {
        StartFailure(String message) {
            super(message, null, false, false);
        }

        /** Why binding {@code options.host}:{@code options.port} failed, naming where they came from. */
        static String listen(Options options, Exception e) {
            List<String> from = new ArrayList<>();
            for (String option : List.of("host", "port")) {
                if (options.from.containsKey(option)) {
                    from.add(options.source(option));
                }
            }
            return "cannot listen on " + options.host + ":" + options.port
                    + (from.isEmpty()
                            ? " (the default; --host and --port choose another)"
                            : " (" + String.join(", ", from) + ")")
                    + ": " + reason(e);
        }

        /**
         * The innermost cause, as words: "Not a directory" for a file where a directory should be, "permission
         * denied: /x", "Address already in use".
         */
        static String reason(Throwable e) {
            Throwable t = e;
            while (t.getCause() != null && t.getCause() != t) {
                t = t.getCause();
            }
            if (t instanceof java.nio.file.AccessDeniedException a) {
                return a.getFile() + ": permission denied";
            }
            if (t instanceof java.nio.file.NoSuchFileException n) {
                return n.getFile() + ": not found";
            }
            if (t instanceof java.nio.file.FileAlreadyExistsException f) {
                return f.getFile() + ": exists and is not a directory";
            }
            if (t instanceof java.nio.file.FileSystemException f) {
                return f.getFile() + ": "
                        + (f.getReason() == null ? t.getClass().getSimpleName() : f.getReason());
            }
            if (t instanceof java.nio.channels.UnresolvedAddressException) {
                return "unknown host";
            }
            String message = t.getMessage();
            if (message != null && message.contains("Address already in use")) {
                return "address already in use (is another server running there?)";
            }
            if (message == null || message.isBlank()) {
                return t.getClass().getName();
            }
            // a message of several lines (rare) is still one line here
            String first = message.lines().findFirst().orElse(message).trim();
            return t instanceof java.io.IOException || t instanceof RuntimeException
                    ? first
                    : t.getClass().getSimpleName() + ": " + first;
        }
    }

    /** The standalone server: the Courier instance, which also serves the page and the HTTP API, and the admin. */
    private record StandaloneServer(Courier io, HubHttpApi api, AutoCloseable admin, AutoCloseable cluster)
            implements AutoCloseable {
        @Override
        public void close() throws Exception {
            admin.close();
            api.ready(false);
            io.close();
            cluster.close();
        }
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // failing anyway
        }
    }

    /**
     * Joins the cluster, waiting for Redis as long as it takes: one line on {@code err} when it cannot be reached,
     * then one a minute, never a stack trace.
     */
    static RedisCluster joinCluster(Options options, PrintStream err) {
        for (int attempt = 0; ; attempt++) {
            try {
                return RedisCluster.builder(options.redis).key(options.redisKey).connect();
            } catch (RuntimeException e) {
                if (attempt % 30 == 0) {
                    err.println("courier: cannot reach Redis at " + options.redis + " (" + options.source("redis")
                            + "): " + StartFailure.reason(e) + "; retrying every 2 s");
                }
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartFailure("stopped while waiting for Redis at " + options.redis);
            }
        }
    }

    /** Parsed command-line options, with environment fallbacks. */
    static final class Options {
        String host = "127.0.0.1";
        int port = 3000;
        String path = "/socket.io/";
        List<String> corsOrigins = new ArrayList<>();
        boolean corsCredentials;
        boolean serveClient = true;
        Duration pingInterval;
        Duration pingTimeout;
        boolean perMessageDeflate; // WebSocket compression, socket.io's perMessageDeflate; default off
        int deflateThreshold = 1024;
        int deflateLevel = 6;
        boolean deflateServerNoContextTakeover;
        boolean deflateClientNoContextTakeover;
        int deflateClientMaxWindowBits = 15;
        Parser parser = Parser.DEFAULT;
        Path data = Path.of("courier-data");
        String apiKey;
        String jwtSecret;
        boolean jwtRequireExp = true;
        String metricsToken;
        List<String> allowedHosts; // null: the default, see effectiveAllowedHosts
        boolean metricsPublic;
        String adminUser = "admin";
        String adminPassword; // null: no admin namespace
        String adminNamespace = "/admin";
        boolean adminReadonly;
        boolean adminDevelopment = true;
        Duration adminSessionTtl = AdminNamespace.Options.DEFAULT_SESSION_TTL;
        StoreLimits limits = StoreLimits.DEFAULT;
        Integer inFlightWindow; // null: Courier's default
        ChannelRules channels; // null: dev mode, every channel open and durable
        String redis; // null: a single node
        String redisKey = "socket.io";
        boolean help;

        /**
         * Where each option that did not keep its default came from, for messages: {@code --data}, {@code
         * COURIER_DATA} or {@code courier.yml: data}; keyed by the option's YAML name.
         */
        final Map<String, String> from = new HashMap<>();

        /** Where {@code option} came from, or "the default" if nothing set it. */
        String source(String option) {
            return from.getOrDefault(option, "the default");
        }

        /** Loopback names: what a hub in dev mode answers to unless told otherwise (besides IP addresses). */
        static final List<String> LOOPBACK_HOSTS = List.of("localhost", "127.0.0.1", "::1");

        /**
         * The Host names the server answers to (IP addresses always pass), or null for any: the ones configured
         * ({@code *}: any); else, in dev mode (no API key or no JWT secret: what DNS rebinding would reach),
         * {@link #LOOPBACK_HOSTS}; else any.
         */
        List<String> effectiveAllowedHosts() {
            if (allowedHosts != null && !allowedHosts.isEmpty()) {
                return allowedHosts.contains("*") ? null : List.copyOf(allowedHosts);
            }
            return apiKey == null || jwtSecret == null ? LOOPBACK_HOSTS : null;
        }

        /** A Redis URI ({@code redis://host:port}, {@code rediss://...}), or an error naming {@code where}. */
        static String redisUri(String uri, String where) {
            if (!uri.matches("rediss?://[^\\s]+")) {
                throw new IllegalArgumentException(
                        where + ": " + uri + " is not a Redis URI (expected redis://HOST:PORT or rediss://...)");
            }
            return uri;
        }

        static Options parse(List<String> args, Map<String, String> env) {
            Options o = new Options();
            // the file first, then the environment, then flags: each overrides what came before
            String config = env.get("COURIER_CONFIG");
            String configFrom = "COURIER_CONFIG";
            for (int i = 0; i < args.size(); i++) {
                if (args.get(i).equals("--config")) {
                    config = value(args, i + 1, "--config");
                    configFrom = "--config";
                }
            }
            if (config != null) {
                ConfigFile.apply(Path.of(config), configFrom, o);
            }
            String v;
            if ((v = env.get("COURIER_PORT")) != null) {
                o.port = port(v, "COURIER_PORT=" + v);
                o.from.put("port", "COURIER_PORT");
            }
            if ((v = env.get("COURIER_HOST")) != null) {
                o.host = v;
                o.from.put("host", "COURIER_HOST");
            }
            if ((v = env.get("COURIER_PATH")) != null) {
                o.path = path(v, "COURIER_PATH=" + v);
                o.from.put("path", "COURIER_PATH");
            }
            if ((v = env.get("COURIER_DATA")) != null) {
                o.data = dir(v, "COURIER_DATA");
                o.from.put("data", "COURIER_DATA");
            }
            o.apiKey = env.getOrDefault("COURIER_API_KEY", o.apiKey);
            o.jwtSecret = env.getOrDefault("COURIER_JWT_SECRET", o.jwtSecret);
            o.adminPassword = env.getOrDefault("COURIER_ADMIN_PASSWORD", o.adminPassword);
            o.metricsToken = env.getOrDefault("COURIER_METRICS_TOKEN", o.metricsToken);
            if ((v = env.get("COURIER_REDIS")) != null) {
                o.redis = redisUri(v, "COURIER_REDIS");
                o.from.put("redis", "COURIER_REDIS");
            }
            o.redisKey = env.getOrDefault("COURIER_REDIS_KEY", o.redisKey);
            if ((v = env.get("COURIER_PARSER")) != null) {
                o.parser = parser(v, "COURIER_PARSER=" + v);
            }
            if (env.get("COURIER_ALLOWED_HOSTS") != null) {
                o.allowedHosts = new ArrayList<>();
                for (String s : env.get("COURIER_ALLOWED_HOSTS").split(",")) {
                    if (!s.isBlank()) {
                        o.allowedHosts.add(s.trim());
                    }
                }
            }
            if ((v = env.get("COURIER_PER_MESSAGE_DEFLATE")) != null) {
                o.perMessageDeflate = switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
                    case "true", "on", "1" -> true;
                    case "false", "off", "0" -> false;
                    default ->
                        throw new IllegalArgumentException(
                                "COURIER_PER_MESSAGE_DEFLATE=" + v + ": expected true or false");
                };
            }
            if ((v = env.get("COURIER_IN_FLIGHT_WINDOW")) != null) {
                o.inFlightWindow = window(v, "COURIER_IN_FLIGHT_WINDOW=" + v);
            }
            if ((v = env.get("COURIER_PER_MESSAGE_DEFLATE_THRESHOLD")) != null) {
                o.deflateThreshold = bytes(v, "COURIER_PER_MESSAGE_DEFLATE_THRESHOLD=" + v);
                o.perMessageDeflate = true;
            }
            if (env.get("COURIER_CORS_ORIGINS") != null) {
                o.corsOrigins = new ArrayList<>();
                for (String s : env.get("COURIER_CORS_ORIGINS").split(",")) {
                    if (!s.isBlank()) {
                        o.corsOrigins.add(s.trim());
                    }
                }
            }
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--help", "-h" -> o.help = true;
                    case "--no-serve-client" -> o.serveClient = false;
                    case "--per-message-deflate" -> o.perMessageDeflate = true;
                    case "--no-per-message-deflate" -> o.perMessageDeflate = false;
                    case "--per-message-deflate-threshold" -> {
                        String t = value(args, ++i, a);
                        o.deflateThreshold = bytes(t, a + " " + t);
                        o.perMessageDeflate = true;
                    }
                    case "--port" -> {
                        String p = value(args, ++i, a);
                        o.port = port(p, a + " " + p);
                        o.from.put("port", a);
                    }
                    case "--host" -> {
                        o.host = value(args, ++i, a);
                        o.from.put("host", a);
                    }
                    case "--path" -> {
                        String p = value(args, ++i, a);
                        o.path = path(p, a + " " + p);
                        o.from.put("path", a);
                    }
                    case "--cors-origin" -> o.corsOrigins.add(value(args, ++i, a));
                    case "--cors-credentials" -> o.corsCredentials = true;
                    case "--data" -> {
                        o.data = dir(value(args, ++i, a), a);
                        o.from.put("data", a);
                    }
                    case "--api-key" -> o.apiKey = value(args, ++i, a);
                    case "--jwt-secret" -> o.jwtSecret = value(args, ++i, a);
                    case "--no-jwt-require-exp" -> o.jwtRequireExp = false;
                    case "--metrics-token" -> o.metricsToken = value(args, ++i, a);
                    case "--metrics-public" -> o.metricsPublic = true;
                    case "--allowed-host" -> {
                        if (o.allowedHosts == null) {
                            o.allowedHosts = new ArrayList<>();
                        }
                        o.allowedHosts.add(value(args, ++i, a));
                    }
                    case "--admin-user" -> o.adminUser = value(args, ++i, a);
                    case "--admin-password" -> o.adminPassword = value(args, ++i, a);
                    case "--config" -> value(args, ++i, a); // read first, above
                    case "--ping-interval" -> o.pingInterval = millis(value(args, ++i, a), a);
                    case "--in-flight-window" -> {
                        String w = value(args, ++i, a);
                        o.inFlightWindow = window(w, a + " " + w);
                    }
                    case "--ping-timeout" -> o.pingTimeout = millis(value(args, ++i, a), a);
                    case "--parser" -> {
                        String p = value(args, ++i, a);
                        o.parser = parser(p, a + " " + p);
                    }
                    case "--redis" -> {
                        o.redis = redisUri(value(args, ++i, a), a);
                        o.from.put("redis", a);
                    }
                    case "--redis-key" -> o.redisKey = value(args, ++i, a);
                    default ->
                        throw new IllegalArgumentException(
                                (a.startsWith("-") ? "unknown option " : "unexpected argument ") + a
                                        + " (courier --help lists the options)");
                }
            }
            if (o.corsCredentials && (o.corsOrigins.isEmpty() || o.corsOrigins.contains("*"))) {
                throw new IllegalArgumentException("--cors-credentials (corsCredentials) needs the origins named with"
                        + " --cors-origin, not * and not none: credentials go to a named origin only");
            }
            if (o.allowedHosts != null) {
                for (String h : o.allowedHosts) {
                    if (h.isBlank() || h.contains("/") || h.contains(" ")) {
                        throw new IllegalArgumentException("allowed host \"" + h
                                + "\": expected a host name such as hub.example (no scheme, no path)");
                    }
                }
            }
            return o;
        }

        /** {@code default} or {@code msgpack}, or an error naming {@code where}. */
        static Parser parser(String name, String where) {
            try {
                return Parser.named(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
        }

        private static String value(List<String> args, int i, String flag) {
            if (i >= args.size() || (args.get(i).startsWith("--") && args.get(i).length() > 2)) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return args.get(i);
        }

        private static Duration millis(String s, String flag) {
            try {
                long ms = Long.parseLong(s);
                if (ms <= 0) {
                    throw new NumberFormatException();
                }
                return Duration.ofMillis(ms);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " " + s + ": expected milliseconds > 0");
            }
        }

        /** {@code s} as a byte count >= 0; {@code where} names its source in the error. */
        static int bytes(String s, String where) {
            return integer(s, 0, Integer.MAX_VALUE, where, "a number of bytes >= 0");
        }

        /** {@code s} as a durable in-flight window, 1-100000; {@code where} names its source in the error. */
        static int window(String s, String where) {
            return integer(s, 1, 100_000, where, "a number of deliveries, 1-100000");
        }

        /** {@code s} as a port; {@code where} names its source in the error, e.g. {@code --port 70000}. */
        static int port(String s, String where) {
            return integer(s, 0, 65535, where, "a port number, 0-65535");
        }

        /** {@code s} as an integer {@code min}-{@code max}; else an error naming {@code where} and what it wants. */
        private static int integer(String s, int min, int max, String where, String expected) {
            try {
                int n = Integer.parseInt(s.trim());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // the same error as a number out of range
            }
            throw new IllegalArgumentException(where + ": expected " + expected);
        }

        /** A Socket.IO path such as {@code /socket.io/}; {@code where} names its source in the error. */
        static String path(String s, String where) {
            if (s.isBlank() || s.contains("?")) {
                throw new IllegalArgumentException(where + ": expected a path such as /socket.io/");
            }
            return s;
        }

        /** A data directory; {@code where} names its source. Whether it can be used is found out at start. */
        static Path dir(String s, String where) {
            if (s.isBlank()) {
                throw new IllegalArgumentException(where + " is empty: expected a directory");
            }
            try {
                return Path.of(s);
            } catch (java.nio.file.InvalidPathException e) {
                throw new IllegalArgumentException(where + " " + s + ": not a valid path (" + e.getReason() + ")");
            }
        }
    }
}
