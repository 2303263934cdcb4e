package io.courier.standalone;

import io.courier.BroadcastOperator;
import io.courier.Courier;
import io.courier.EventArgs;
import io.courier.Handshake;
import io.courier.Middleware;
import io.courier.Namespace;
import io.courier.ServerStats;
import io.courier.Socket;
import io.courier.adapter.RoomListener;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of the official Socket.IO Admin UI ({@code @socket.io/admin-ui}, https://admin.socket.io): the
 * {@code /admin} namespace protocol its {@code instrument()} speaks, so the UI can watch sockets and rooms and run
 * its administrative tasks against Courier.
 *
 * <ul>
 *   <li>Basic authentication: {@code auth: {username, password}}, answered with a {@code session} id that later
 *       connections may present as {@code auth: {sessionId}}; anything else is refused with "invalid credentials".
 *   <li>On connection: {@code config} (supported features) and, in development mode, {@code all_sockets}.
 *   <li>Every 2 s: {@code server_stats} (connections, polling connections, namespaces, aggregated events).
 *   <li>Development mode: {@code socket_connected}, {@code socket_disconnected}, {@code room_joined},
 *       {@code room_left}, {@code event_received}, {@code event_sent} for every namespace, dynamic ones included.
 *   <li>Unless read-only: {@code emit}, {@code join}, {@code leave} and {@code _disconnect} from the UI.
 * </ul>
 *
 * Password guessing is limited per client address ({@link LoginLimiter}): a failed attempt is refused and its
 * connection closed (one connection cannot try again and again), and after 5 failures in a minute the address is
 * blocked, a minute first, twice as long each time after, up to an hour; one log line per block, none per try.
 * Session ids are 128 random bits and expire after {@link Options#sessionTtl()}.
 *
 * <p>Not mirrored: {@code socket_updated} (Courier does not watch {@code socket.data()} for changes or report
 * transport upgrades to it), and sessions survive only as long as the process.
 */
final class AdminNamespace {
    private static final Logger log = LoggerFactory.getLogger(AdminNamespace.class);
    private static final int MAX_SESSIONS = 1000;
    private static final String SESSION_KEY = "courier.adminSession";

    /**
     * The admin options.
     *
     * @param namespace the namespace (default {@code /admin})
     * @param username the user name (default {@code admin})
     * @param password the password; the admin namespace is off without one
     * @param readonly whether the UI may only watch
     * @param development whether every socket, room and event is reported (development mode) or only statistics
     * @param sessionTtl how long a session id (answered on login, presented as {@code auth.sessionId}) is good for
     */
    record Options(
            String namespace,
            String username,
            String password,
            boolean readonly,
            boolean development,
            Duration sessionTtl) {
        /** The default session lifetime: 24 hours. */
        static final Duration DEFAULT_SESSION_TTL = Duration.ofHours(24);
    }

    private final Courier io;
    private final Options options;
    private final Namespace admin;
    // session id -> System.nanoTime() at which it expires; the oldest go first beyond MAX_SESSIONS
    private final Map<String, Long> sessions = Collections.synchronizedMap(new LinkedHashMap<String, Long>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_SESSIONS;
        }
    });
    private final SecureRandom random = new SecureRandom();
    private final LoginLimiter limiter = new LoginLimiter();
    private final String hostname;
    private long lastOpened;
    private long lastClosed;
    private long lastIn;
    private long lastOut;
    private long lastBytesIn;
    private long lastBytesOut;

    private AdminNamespace(Courier io, Options options) {
        this.io = io;
        this.options = options;
        this.admin = io.of(options.namespace());
        this.hostname = hostname();
    }

    /** Installs the admin namespace; returns a handle to stop its statistics timer. */
    static AutoCloseable install(Courier io, Options options) {
        AdminNamespace a = new AdminNamespace(io, options);
        a.admin.use(a::authenticate);
        a.admin.onConnection(a::onAdmin);
        if (options.development()) {
            io.onNamespace(a::watch);
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("courier-admin-stats").daemon().factory());
        timer.scheduleAtFixedRate(a::emitStats, 2, 2, TimeUnit.SECONDS);
        return timer::shutdownNow;
    }

    private void authenticate(Socket socket, Middleware.Next next) {
        Handshake h = socket.handshake();
        String address = clientAddress(h);
        // counted as a failure before the credentials are looked at: guesses made at once cannot all get past the block
        LoginLimiter.Outcome attempt = limiter.attempt(address);
        if (attempt instanceof LoginLimiter.Blocked blocked) {
            log.debug("event=admin-refused address={} blocked", h.address());
            refuse(socket, next, "too many failed logins: try again in " + seconds(blocked.left()) + " s");
            return;
        }
        String sessionId = h.auth("sessionId").orElse(null);
        if (sessionId != null && validSession(sessionId)) {
            limiter.succeeded(address);
            next.accept();
            return;
        }
        if (equal(options.username(), h.auth("username").orElse(null))
                && equal(options.password(), h.auth("password").orElse(null))) {
            byte[] bits = new byte[16];
            random.nextBytes(bits);
            String id = HexFormat.of().formatHex(bits);
            sessions.put(id, System.nanoTime() + options.sessionTtl().toNanos());
            socket.data().put(SESSION_KEY, id);
            limiter.succeeded(address);
            log.info("event=admin-login address={}", h.address());
            next.accept();
            return;
        }
        if (attempt instanceof LoginLimiter.BlockStarted b) {
            log.warn(
                    "event=admin-blocked address={} failures={} within={}s for={}s",
                    address,
                    b.failures(),
                    LoginLimiter.WINDOW.toSeconds(),
                    b.duration().toSeconds());
        } else {
            log.debug("event=admin-refused address={}", h.address());
        }
        refuse(socket, next, "invalid credentials");
    }

    /** Refuses the login and closes the connection it came on, once the refusal is sent. */
    private void refuse(Socket socket, Middleware.Next next, String message) {
        next.reject(message);
        io.closeConnection(socket.connectionId());
    }

    private boolean validSession(String id) {
        synchronized (sessions) {
            Long expires = sessions.get(id);
            if (expires == null) {
                return false;
            }
            if (System.nanoTime() - expires >= 0) {
                sessions.remove(id);
                return false;
            }
            return true;
        }
    }

    /** The address guesses are counted by: the IP address, without the port. */
    private static String clientAddress(Handshake h) {
        if (h.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            return a.getAddress().getHostAddress();
        }
        return String.valueOf(h.remoteAddress());
    }

    private static long seconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    private static boolean equal(String expected, String given) {
        return given != null
                && MessageDigest.isEqual(
                        expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private void onAdmin(Socket socket) {
        Object session = socket.data().remove(SESSION_KEY);
        if (session != null) {
            socket.emit("session", session);
        }
        List<String> features = new ArrayList<>();
        if (!options.readonly()) {
            features.addAll(List.of("EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"));
            registerTasks(socket);
        }
        features.add("AGGREGATED_EVENTS");
        if (options.development()) {
            features.add("ALL_EVENTS");
        }
        socket.emit("config", Map.of("supportedFeatures", features));
        if (options.development()) {
            List<Map<String, Object>> all = new ArrayList<>();
            for (Namespace ns : namespaces()) {
                for (Socket s : ns.sockets().values()) {
                    all.add(serialize(s));
                }
            }
            socket.emit("all_sockets", all);
        }
    }

    private void registerTasks(Socket socket) {
        socket.on("emit", (args, ack) -> {
            Object[] rest = args.size() > 3 ? Arrays.copyOfRange(args.toArray(), 3, args.size()) : new Object[0];
            target(args, 1).emit(args.getString(2), rest);
        });
        socket.on("join", (args, ack) -> target(args, 2).socketsJoin(args.getString(1)));
        socket.on("leave", (args, ack) -> target(args, 2).socketsLeave(args.getString(1)));
        socket.on("_disconnect", (args, ack) -> target(args, 2)
                .disconnectSockets(args.size() > 1 && args.get(1).asBoolean(false)));
    }

    /** The sockets of namespace {@code args[0]}, those in room {@code args[filterAt]} if it names one. */
    private BroadcastOperator target(EventArgs args, int filterAt) {
        Namespace ns = io.of(args.getString(0));
        String filter = text(args, filterAt);
        return filter == null ? ns.except() : ns.in(filter);
    }

    private static String text(EventArgs args, int i) {
        return args.size() > i
                        && args.get(i).isTextual()
                        && !args.get(i).asText().isEmpty()
                ? args.getString(i)
                : null;
    }

    /** Development mode: reports what happens in {@code ns} to the admin namespace. */
    private void watch(Namespace ns) {
        String name = ns.name();
        ns.onConnection(socket -> {
            if (!watching()) {
                return;
            }
            Instant now = Instant.now();
            admin.emit("socket_connected", serialize(socket), now.toString());
            admin.emit("room_joined", name, socket.id(), socket.id(), now.toString());
            if (ns != admin) {
                socket.onAny((event, args) -> {
                    if (watching()) {
                        admin.emit(
                                "event_received",
                                name,
                                socket.id(),
                                eventArgs(event, args),
                                Instant.now().toString());
                    }
                });
                socket.onAnyOutgoing((event, args) -> {
                    if (watching()) {
                        admin.emit(
                                "event_sent",
                                name,
                                socket.id(),
                                eventArgs(event, args),
                                Instant.now().toString());
                    }
                });
            }
            socket.onDisconnect(reason -> {
                if (watching()) {
                    admin.emit(
                            "socket_disconnected",
                            name,
                            socket.id(),
                            reason.text(),
                            Instant.now().toString());
                }
            });
        });
        ns.adapter().addRoomListener(new RoomListener() {
            @Override
            public void joined(String room, String socketId) {
                if (watching()) {
                    admin.emit(
                            "room_joined", name, room, socketId, Instant.now().toString());
                }
            }

            @Override
            public void left(String room, String socketId) {
                if (watching()) {
                    admin.emit("room_left", name, room, socketId, Instant.now().toString());
                }
            }
        });
    }

    /** Whether anyone watches: reports cost nothing while no admin is connected. */
    private boolean watching() {
        return !admin.sockets().isEmpty();
    }

    private static List<Object> eventArgs(String event, EventArgs args) {
        List<Object> all = new ArrayList<>(args.size() + 1);
        all.add(event);
        all.addAll(args.values());
        return all;
    }

    private Map<String, Object> serialize(Socket s) {
        Handshake h = s.handshake();
        Map<String, Object> handshake = new LinkedHashMap<>();
        handshake.put("address", h.header("x-forwarded-for").orElse(h.address()));
        handshake.put("headers", h.headers());
        handshake.put("query", h.query());
        handshake.put("issued", h.issued().toEpochMilli());
        handshake.put("secure", h.secure());
        handshake.put("time", h.issued().toString());
        handshake.put("url", h.url());
        handshake.put("xdomain", h.header("origin").isPresent());
        Map<String, Object> data = new LinkedHashMap<>(s.data());
        data.remove(SESSION_KEY);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", s.id());
        String conn = s.connectionId();
        out.put("clientId", conn.substring(0, Math.min(12, conn.length())));
        out.put("transport", s.transport());
        out.put("nsp", s.namespace().name());
        out.put("data", data);
        out.put("handshake", handshake);
        out.put("rooms", new ArrayList<>(new TreeSet<>(s.rooms())));
        return out;
    }

    private List<Namespace> namespaces() {
        return List.copyOf(io.namespaces());
    }

    private synchronized void emitStats() {
        try {
            if (!watching()) {
                return;
            }
            ServerStats s = io.stats();
            long second = System.currentTimeMillis() / 1000 * 1000;
            List<Map<String, Object>> events = new ArrayList<>();
            lastOpened = aggregate(events, second, "rawConnection", s.connectionsOpened(), lastOpened);
            lastClosed = aggregate(events, second, "rawDisconnection", s.connectionsClosed(), lastClosed);
            lastIn = aggregate(events, second, "packetsIn", s.messagesIn(), lastIn);
            lastOut = aggregate(events, second, "packetsOut", s.messagesOut(), lastOut);
            lastBytesIn = aggregate(events, second, "bytesIn", s.bytesIn(), lastBytesIn);
            lastBytesOut = aggregate(events, second, "bytesOut", s.bytesOut(), lastBytesOut);
            List<Map<String, Object>> nsps = new ArrayList<>();
            for (Namespace ns : namespaces()) {
                nsps.add(Map.of("name", ns.name(), "socketsCount", ns.sockets().size()));
            }
            Map<String, Object> stats = new LinkedHashMap<>();
            stats.put("serverId", hostname);
            stats.put("hostname", hostname);
            stats.put("pid", ProcessHandle.current().pid());
            stats.put("uptime", ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
            stats.put("clientsCount", s.connections());
            stats.put("pollingClientsCount", s.pollingConnections());
            stats.put("aggregatedEvents", events);
            stats.put("namespaces", nsps);
            admin.emit("server_stats", stats);
        } catch (RuntimeException e) {
            log.warn("admin statistics failed: {}", e.toString());
        }
    }

    private static long aggregate(List<Map<String, Object>> out, long timestamp, String type, long now, long before) {
        if (now > before) {
            out.add(Map.of("timestamp", timestamp, "type", type, "count", now - before));
        }
        return now;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "courier";
        }
    }
}
