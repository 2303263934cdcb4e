package io.courier.standalone;

import io.courier.ConnectionRefusedException;
import io.courier.Courier;
import io.courier.CourierConfig;
import io.courier.Socket;
import io.courier.conformance.ConformanceTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The server the official Engine.IO and Socket.IO test suites (and Courier's own interop tests) talk to (README,
 * "Conformance"), on one port.
 *
 * <ul>
 *   <li>{@code /engine.io/}: a bare Engine.IO server that echoes every message (text stays text, binary stays binary;
 *       {@link ConformanceTarget});
 *   <li>{@code /socket.io/}: the official Socket.IO contract (namespaces {@code /} and {@code /custom}) plus Courier's
 *       extended contract ({@code request-ack}, {@code disconnect-me}, {@code whoami}, {@code join}/{@code leave},
 *       {@code broadcast}, {@code to-room}, {@code to-socket}, namespace {@code /private}).
 * </ul>
 *
 * Settings of the contract: pingInterval 300 ms, pingTimeout 200 ms, maxHttpBufferSize 1e6, connectTimeout 1 s, CORS
 * any origin, connection state recovery off.
 */
public final class ConformanceServer implements AutoCloseable {
    private final ConformanceTarget target;
    private final Courier io;

    private ConformanceServer(ConformanceTarget target, Courier io) {
        this.target = target;
        this.io = io;
    }

    /** Starts the contract on {@code host:port} (port 0 picks a free port). */
    public static ConformanceServer start(String host, int port) {
        return start(host, port, c -> {});
    }

    /**
     * The recovery contract (README, "Conformance"): the same handlers and settings with connection state recovery
     * on, maxDisconnectionDuration 2 s and skipMiddlewares; by convention on the main port + 1.
     */
    public static ConformanceServer startRecovery(String host, int port, Consumer<CourierConfig.Builder> overrides) {
        return start(host, port, c -> {
            c.connectionStateRecovery(
                    r -> r.maxDisconnectionDuration(Duration.ofMillis(2000)).skipMiddlewares(true));
            overrides.accept(c);
        });
    }

    /**
     * The contract plus durable queues with the hub's client protocol ({@link HubProtocol}) and
     * {@code channel-stats(name)}, answered with the channel's {@link io.courier.durable.ChannelStats};
     * {@code configure} sets the durable options, e.g. the data directory.
     */
    public static ConformanceServer startDurable(
            String host, int port, Consumer<CourierConfig.DurableBuilder> configure) {
        return startDurable(host, port, configure, c -> {});
    }

    /** {@link #startDurable(String, int, Consumer)} with Socket.IO settings changed after the contract's. */
    public static ConformanceServer startDurable(
            String host,
            int port,
            Consumer<CourierConfig.DurableBuilder> configure,
            Consumer<CourierConfig.Builder> overrides) {
        ConformanceServer server = start(host, port, c -> {
            c.pingInterval(Duration.ofSeconds(5))
                    .pingTimeout(Duration.ofSeconds(10))
                    .connectTimeout(Duration.ofSeconds(10))
                    .durableQueues(d -> {
                        d.identity(HubProtocol.identityResolver(null, java.time.Clock.systemUTC()));
                        configure.accept(d);
                    });
            overrides.accept(c);
        });
        HubProtocol.install(server.io);
        server.io.onConnection(socket -> socket.on("channel-stats", (args, ack) -> server.io
                .durable()
                .channel(args.getString(0))
                .whenComplete((stats, error) -> ack.reply(
                        error != null
                                ? Map.of("error", String.valueOf(error.getMessage()))
                                : stats.map(s -> (Object) s).orElse(Map.of())))));
        return server;
    }

    /**
     * The same handlers with Socket.IO settings changed after the contract's, e.g. production timings for load tests:
     * the contract's 500 ms heartbeat window and 1 s connect timeout are shorter than a Node process running hundreds
     * of clients on a small machine can promise.
     */
    public static ConformanceServer start(String host, int port, Consumer<CourierConfig.Builder> overrides) {
        Courier io = Courier.create(c -> {
            c.pingInterval(Duration.ofMillis(300))
                    .pingTimeout(Duration.ofMillis(200))
                    .maxHttpBufferSize(1_000_000)
                    .connectTimeout(Duration.ofSeconds(1))
                    .cors((CourierConfig.Cors cors) -> cors.allowAnyOrigin());
            overrides.accept(c);
            c.host(host).port(port);
        });
        installHandlers(io);
        ConformanceTarget target;
        try {
            target = ConformanceTarget.start(io);
        } catch (Exception e) { // Netty throws the bind's IOException unchecked: a RuntimeException catch misses it
            io.close();
            throw e;
        }
        return new ConformanceServer(target, io);
    }

    public int port() {
        return target.port();
    }

    public Courier courier() {
        return io;
    }

    @Override
    public void close() {
        target.close();
        io.close();
    }

    /** The handlers of the official and extended contracts. */
    static void installHandlers(Courier io) {
        io.onConnection(socket -> {
            socket.emit("auth", socket.handshake().auth());
            socket.on("message", (args, ack) -> socket.emit("message-back", args.toArray()));
            socket.on("message-with-ack", (args, ack) -> ack.reply(args.toArray()));
            installExtensions(io, socket);
        });
        io.of("/custom")
                .onConnection(socket -> socket.emit("auth", socket.handshake().auth()));
        io.of("/private")
                .use((socket, next) -> {
                    if ("secret".equals(socket.handshake().auth("token").orElse(null))) {
                        next.accept();
                    } else {
                        throw new ConnectionRefusedException("unauthorized", Map.of("reason", "invalid token"));
                    }
                })
                .onConnection(socket -> socket.emit("auth", socket.handshake().auth()));
    }

    private static void installExtensions(Courier io, Socket socket) {
        socket.on("request-ack", (args, ack) -> socket.emitWithAck("please-ack", args.toArray())
                .thenAccept(reply -> socket.emit("ack-received", reply.toArray())));
        socket.on("disconnect-me", (args, ack) -> socket.disconnect(false));
        socket.on(
                "whoami",
                (args, ack) -> ack.reply(Map.of(
                        "id", socket.id(), "recovered", socket.recovered(), "rooms", new TreeSet<>(socket.rooms()))));
        socket.on("join", (args, ack) -> {
            socket.join(args.getString(0));
            ack.reply();
        });
        socket.on("leave", (args, ack) -> {
            socket.leave(args.getString(0));
            ack.reply();
        });
        socket.on("broadcast", (args, ack) -> {
            io.emit("broadcast-back", args.toArray());
            ack.reply();
        });
        socket.on("to-room", (args, ack) -> {
            Object[] all = args.toArray();
            io.to(args.getString(0)).emit("room-message", all);
            ack.reply();
        });
        socket.on("to-socket", (args, ack) -> {
            List<Object> rest = new ArrayList<>(Arrays.asList(args.toArray()));
            rest.remove(0);
            io.to(args.getString(0)).emit("direct-message", rest.toArray());
            ack.reply();
        });
    }
}
