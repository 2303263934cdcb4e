package io.courier.standalone;

import io.courier.Courier;
import io.courier.CourierConfig;
import io.courier.durable.StoreLimits;
import io.courier.netty.CourierHttpServer;
import io.courier.netty.StaticResource;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * The {@code courier} command: the standalone server, or {@code conformance} for the test-suite contract.
 *
 * <p>Flags come after the optional subcommand; each also reads an environment variable (shown in {@code --help}).
 */
public final class Main {
    private static final String USAGE = """
            Usage: courier [conformance] [options]

            Starts the Courier hub (Socket.IO v5 / Engine.IO v4, durable queues, HTTP API at /api/, metrics at
            /metrics, health at /healthz and /readyz, the demo page at /) with embedded defaults.
              conformance          serve the official test-suite contract instead (PROTOCOL.md section 12):
                                   bare Engine.IO echo on /engine.io/ and Socket.IO on /socket.io/, and the
                                   recovery contract (connection state recovery on) on port + 1

            Options:
              --port P             port to listen on (default 3000; env COURIER_PORT)
              --host H             address to bind (default 127.0.0.1; env COURIER_HOST; 0.0.0.0 for all)
              --path P             Socket.IO path (default /socket.io/; env COURIER_PATH)
              --cors-origin O      allow browsers on origin O (repeatable; * for any; env COURIER_CORS_ORIGINS,
                                   comma-separated). Default: same origin only
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
              --jwt-secret S       clients must connect with auth: { token } signed HS256 with S; its sub is
                                   the client id, its channels / publish claims what it may subscribe and
                                   publish to (env COURIER_JWT_SECRET). Without it (dev mode) a client
                                   names itself with auth: { clientId }. A token without exp is refused;
                                   when a token expires its socket is disconnected
              --no-jwt-require-exp
                                   accept tokens without exp (YAML jwtRequireExp: false)
              --admin-password P   serve the official Socket.IO Admin UI protocol on /admin, for user
                                   --admin-user U (default admin) with password P (env COURIER_ADMIN_PASSWORD);
                                   without a password there is no /admin namespace
              --ping-interval MS   heartbeat interval (default 25000; conformance 300)
              --ping-timeout MS    heartbeat timeout (default 20000; conformance 200)
              --no-serve-client    do not serve the browser bundle at <path>socket.io.js
              --help               print this help
            """;

    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        List<String> rest = new ArrayList<>(List.of(args));
        boolean conformance = !rest.isEmpty() && rest.get(0).equals("conformance");
        if (conformance) {
            rest.remove(0);
        }
        Options options;
        try {
            options = Options.parse(rest, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("courier: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.print(USAGE);
            return;
        }
        AutoCloseable server =
                conformance ? startConformance(options, System.out) : startStandalone(options, System.out);
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

    static AutoCloseable startConformance(Options options, PrintStream out) {
        Consumer<CourierConfig.Builder> timings = c -> {
            if (options.pingInterval != null) {
                c.pingInterval(options.pingInterval);
            }
            if (options.pingTimeout != null) {
                c.pingTimeout(options.pingTimeout);
            }
        };
        ConformanceServer main = ConformanceServer.start(options.host, options.port, timings);
        ConformanceServer recovery;
        try {
            recovery = ConformanceServer.startRecovery(options.host, main.port() + 1, timings);
        } catch (RuntimeException e) {
            main.close();
            throw e;
        }
        out.println("Courier conformance server listening on http://" + options.host + ":" + main.port()
                + " (Engine.IO echo at /engine.io/, Socket.IO at /socket.io/) and, with connection state recovery, on"
                + " port " + recovery.port());
        return () -> {
            main.close();
            recovery.close();
        };
    }

    static AutoCloseable startStandalone(Options options, PrintStream out) {
        ChannelRules rules = options.channels == null ? ChannelRules.devMode() : options.channels;
        Clock clock = Clock.systemUTC();
        Courier io = Courier.create(c -> {
            c.host(options.host).port(options.port).path(options.path).serveClient(options.serveClient);
            // no connection state recovery: the hub's deliveries carry {channel, id, seq} as their only extra
            // argument, and identified clients get the durable queue instead
            c.durableQueues(d -> d.directory(options.data.resolve("queues"))
                    .retention(rules::retention)
                    .limits(options.limits)
                    .identity(HubProtocol.identityResolver(options.jwtSecret, options.jwtRequireExp, clock)));
            if (options.pingInterval != null) {
                c.pingInterval(options.pingInterval);
            }
            if (options.pingTimeout != null) {
                c.pingTimeout(options.pingTimeout);
            }
            if (!options.corsOrigins.isEmpty()) {
                c.cors((CourierConfig.Cors cors) -> options.corsOrigins.forEach(cors::allowOrigin));
            }
        });
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
                                options.adminDevelopment));
        CourierHttpServer http = new CourierHttpServer(options.host, options.port, 0);
        http.resource("/", StaticResource.of(resource("index.html"), "text/html; charset=utf-8"));
        HubHttpApi api = HubHttpApi.mount(http, io, hub, options.apiKey);
        Metrics.mount(http, io);
        io.attach(http);
        http.start();
        api.ready(true);
        List<String> devMode = new ArrayList<>();
        if (options.apiKey == null) {
            devMode.add("no API key: anyone who reaches the port may use /api/");
        }
        if (options.jwtSecret == null) {
            devMode.add("no JWT secret: clients name their own clientId");
        }
        out.println("Courier listening on http://" + options.host + ":" + http.port() + " (Socket.IO at " + options.path
                + ", demo page at /, HTTP API at /api/, metrics at /metrics"
                + (devMode.isEmpty() ? "" : "; DEV MODE: " + String.join(", ", devMode))
                + (options.channels == null
                        ? "; every channel open and durable"
                        : "; " + rules.rules().size() + " channel rule(s)")
                + "; durable queues in "
                + options.data.toAbsolutePath().normalize() + ")");
        return new StandaloneServer(io, http, api, admin);
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

    /** The standalone server: the Courier instance plus the HTTP server that also serves the page. */
    private record StandaloneServer(Courier io, CourierHttpServer http, HubHttpApi api, AutoCloseable admin)
            implements AutoCloseable {
        @Override
        public void close() throws Exception {
            admin.close();
            api.ready(false);
            http.close();
            io.close();
        }
    }

    /** Parsed command-line options, with environment fallbacks. */
    static final class Options {
        String host = "127.0.0.1";
        int port = 3000;
        String path = "/socket.io/";
        List<String> corsOrigins = new ArrayList<>();
        boolean serveClient = true;
        Duration pingInterval;
        Duration pingTimeout;
        Path data = Path.of("courier-data");
        String apiKey;
        String jwtSecret;
        boolean jwtRequireExp = true;
        String adminUser = "admin";
        String adminPassword; // null: no admin namespace
        String adminNamespace = "/admin";
        boolean adminReadonly;
        boolean adminDevelopment = true;
        StoreLimits limits = StoreLimits.DEFAULT;
        ChannelRules channels; // null: dev mode, every channel open and durable
        boolean help;

        static Options parse(List<String> args, Map<String, String> env) {
            Options o = new Options();
            // the file first, then the environment, then flags: each overrides what came before
            String config = env.get("COURIER_CONFIG");
            for (int i = 0; i < args.size() - 1; i++) {
                if (args.get(i).equals("--config")) {
                    config = args.get(i + 1);
                }
            }
            if (config != null) {
                ConfigFile.apply(Path.of(config), o);
            }
            if (env.get("COURIER_PORT") != null) {
                o.port = port(env.get("COURIER_PORT"));
            }
            o.host = env.getOrDefault("COURIER_HOST", o.host);
            o.path = env.getOrDefault("COURIER_PATH", o.path);
            if (env.get("COURIER_DATA") != null) {
                o.data = Path.of(env.get("COURIER_DATA"));
            }
            o.apiKey = env.getOrDefault("COURIER_API_KEY", o.apiKey);
            o.jwtSecret = env.getOrDefault("COURIER_JWT_SECRET", o.jwtSecret);
            o.adminPassword = env.getOrDefault("COURIER_ADMIN_PASSWORD", o.adminPassword);
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
                    case "--port" -> o.port = port(value(args, ++i, a));
                    case "--host" -> o.host = value(args, ++i, a);
                    case "--path" -> o.path = value(args, ++i, a);
                    case "--cors-origin" -> o.corsOrigins.add(value(args, ++i, a));
                    case "--data" -> o.data = Path.of(value(args, ++i, a));
                    case "--api-key" -> o.apiKey = value(args, ++i, a);
                    case "--jwt-secret" -> o.jwtSecret = value(args, ++i, a);
                    case "--no-jwt-require-exp" -> o.jwtRequireExp = false;
                    case "--admin-user" -> o.adminUser = value(args, ++i, a);
                    case "--admin-password" -> o.adminPassword = value(args, ++i, a);
                    case "--config" -> value(args, ++i, a); // read first, above
                    case "--ping-interval" -> o.pingInterval = millis(value(args, ++i, a), a);
                    case "--ping-timeout" -> o.pingTimeout = millis(value(args, ++i, a), a);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            return o;
        }

        private static String value(List<String> args, int i, String flag) {
            if (i >= args.size()) {
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
                throw new IllegalArgumentException(flag + " : " + s + " (expected: milliseconds > 0)");
            }
        }

        static int port(String s) {
            try {
                int p = Integer.parseInt(s);
                if (p < 0 || p > 65535) {
                    throw new NumberFormatException();
                }
                return p;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("port : " + s + " (expected: 0-65535)");
            }
        }
    }
}
