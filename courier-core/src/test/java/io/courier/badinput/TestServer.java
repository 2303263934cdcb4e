package io.courier.badinput;

import io.courier.Courier;
import io.courier.CourierConfig;
import io.courier.DisconnectReason;
import io.courier.Socket;
import io.courier.netty.CorsPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Courier server on 127.0.0.1 with an ephemeral port and small limits, started before a test class and closed
 * after it ({@code @RegisterExtension static final TestServer server = TestServer.standard();}).
 *
 * <p>Settings: pingInterval and pingTimeout 500 ms, maxHttpBufferSize 1000 bytes, connectTimeout 2 s, any CORS
 * origin. Handlers on {@code /} and {@code /admin}:
 *
 * <ul>
 *   <li>{@code echo}: acks its arguments when asked, else emits them back as {@code echo};
 *   <li>{@code error}: an application event like any other; acked with {@code "error handled"};
 *   <li>{@code ask}: asks the client {@code question} (an emit with ack) and acks the client's answer back;
 *   <li>any other event is recorded in {@link #unexpectedEvents()}: malformed packets must never get there.
 * </ul>
 *
 * After each test it waits until every Engine.IO session has ended (bad sessions are closed by the server, good
 * ones by their client or the timeouts), so a leaked session fails the test that leaked it.
 */
final class TestServer implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private static final Set<String> HANDLED = Set.of("echo", "error", "ask");

    private final Consumer<CourierConfig.Builder> overrides;
    private final Queue<String> unexpectedEvents = new ConcurrentLinkedQueue<>();
    private final Queue<String> errorEvents = new ConcurrentLinkedQueue<>();
    private final Map<String, DisconnectReason> disconnects = new ConcurrentHashMap<>();
    private final AtomicInteger answers = new AtomicInteger();
    private Courier io;
    private PollingClient polling;

    private TestServer(Consumer<CourierConfig.Builder> overrides) {
        this.overrides = overrides;
    }

    static TestServer standard() {
        return new TestServer(c -> {});
    }

    /** The standard settings changed by {@code overrides}. */
    static TestServer with(Consumer<CourierConfig.Builder> overrides) {
        return new TestServer(overrides);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        io = Courier.create(c -> {
            c.host("127.0.0.1")
                    .port(0)
                    .pingInterval(Duration.ofMillis(500))
                    .pingTimeout(Duration.ofMillis(500))
                    .maxHttpBufferSize(1000)
                    .connectTimeout(Duration.ofSeconds(2))
                    .serveClient(false)
                    .cors(CorsPolicy.anyOrigin());
            overrides.accept(c);
        });
        io.onConnection(this::register);
        io.of("/admin").onConnection(this::register);
        io.start();
        polling = new PollingClient(io.port());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        awaitNoSessions();
        unexpectedEvents.clear();
        errorEvents.clear();
        disconnects.clear();
        answers.set(0);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (polling != null) {
            polling.close();
        }
        if (io != null) {
            io.close();
        }
    }

    private void register(Socket socket) {
        socket.on("echo", (args, ack) -> {
            if (ack.requested()) {
                ack.reply(args.toArray());
            } else {
                socket.emit("echo", args.toArray());
            }
        });
        socket.on("error", (args, ack) -> {
            errorEvents.add(args.toString());
            ack.reply("error handled");
        });
        socket.on("ask", (args, ack) -> socket.emitWithAck("question").thenAccept(answer -> {
            answers.incrementAndGet();
            ack.reply(answer.toArray());
        }));
        socket.onAny((event, args) -> {
            if (!HANDLED.contains(event)) {
                unexpectedEvents.add(event + " " + args);
            }
        });
        socket.onDisconnect(reason -> disconnects.put(socket.id(), reason));
    }

    Courier io() {
        return io;
    }

    int port() {
        return io.port();
    }

    /** Events that reached the catch-all listener: every one of them is a malformed packet that got through. */
    List<String> unexpectedEvents() {
        return List.copyOf(unexpectedEvents);
    }

    /** Arguments of each {@code error} event the application received. */
    List<String> errorEvents() {
        return List.copyOf(errorEvents);
    }

    /** How many answers to {@code question} the server's ack callbacks received. */
    int answers() {
        return answers.get();
    }

    RawClient connect() throws IOException {
        return RawClient.connect(port());
    }

    /** The reason the socket with this id left its namespace, once it has. */
    DisconnectReason awaitDisconnect(String socketId) {
        awaitTrue("socket " + socketId + " to disconnect", () -> disconnects.containsKey(socketId));
        return disconnects.get(socketId);
    }

    /** Waits until the Engine.IO session {@code sid} no longer exists. */
    void awaitSessionGone(String sid) {
        awaitTrue("session " + sid + " to be closed", () -> io.engine().session(sid) == null);
    }

    void awaitNoSessions() {
        awaitTrue("every Engine.IO session to end", () -> io.engine().sessionCount() == 0);
        awaitTrue(
                "every socket to leave the main namespace",
                () -> io.sockets().sockets().isEmpty());
    }

    /**
     * A new client is served normally: over WebSocket and over polling, an Engine.IO handshake, a Socket.IO CONNECT
     * and an event round trip succeed.
     */
    void assertServesNewClient() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.connected(port())) {
            ws.assertEchoRoundTrip();
            ws.closeCleanly();
        }
        String sid = polling.handshake();
        polling.connect(sid);
        polling.assertEchoRoundTrip(sid);
        polling.closeSession(sid);
    }

    PollingClient polling() {
        return polling;
    }

    /** Polls {@code condition} until it holds; the 10 s limit only guards against a hang. */
    static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime()
                + Duration.ofMillis(RawClient.HANG_GUARD_MILLIS).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
