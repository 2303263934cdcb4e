package io.courier.conformance;

import io.courier.Courier;
import io.courier.engine.EngineIoCloseReason;
import io.courier.engine.EngineIoConfig;
import io.courier.engine.EngineIoServer;
import io.courier.engine.EngineIoSession;
import io.courier.engine.codec.EngineIoPacket;
import io.courier.netty.CorsPolicy;
import io.courier.netty.CourierHttpServer;
import java.time.Duration;
import java.util.Set;

/**
 * The server the official test suites talk to, on one port: a {@link Courier} at its path (the socket.io suite: give it
 * the suite's settings, pingInterval 300 ms, pingTimeout 200 ms, CORS for any origin) and, at {@value #ENGINE_IO_PATH},
 * the bare Engine.IO server of the engine.io suite, which echoes every message to its session (text stays text, binary
 * stays binary) with the suite's settings: pingInterval 300 ms, pingTimeout 200 ms, upgradeTimeout 10 s,
 * maxHttpBufferSize 1e6, polling and WebSocket, CORS for any origin.
 *
 * <pre>{@code
 * Courier io = Courier.create(c -> c.port(3000).pingInterval(Duration.ofMillis(300))
 *         .pingTimeout(Duration.ofMillis(200)).cors(cors -> cors.allowAnyOrigin()));
 * ConformanceTarget target = ConformanceTarget.start(io);
 * }</pre>
 *
 * <p>Used instead of {@link Courier#start()}: the Courier's routes and resources are served too. Safe from any thread.
 */
public final class ConformanceTarget implements AutoCloseable {
    /** Where the Engine.IO echo server is mounted. */
    public static final String ENGINE_IO_PATH = "/engine.io/";

    private static final EngineIoConfig SUITE = new EngineIoConfig(
            Duration.ofMillis(300),
            Duration.ofMillis(200),
            Duration.ofSeconds(10),
            1_000_000,
            16L * 1024 * 1024,
            Set.of(EngineIoConfig.POLLING, EngineIoConfig.WEBSOCKET),
            true);

    private final CourierHttpServer http;

    private ConformanceTarget(CourierHttpServer http) {
        this.http = http;
    }

    /**
     * Binds {@code io}'s host and port ({@link io.courier.CourierConfig#host()}, {@link io.courier.CourierConfig#port()})
     * and serves the echo server and {@code io}, which must not be started otherwise.
     *
     * @throws RuntimeException what binding throws (e.g. the port is in use); nothing is left running then
     */
    public static ConformanceTarget start(Courier io) {
        CourierHttpServer http = new CourierHttpServer(
                io.config().host(), io.config().port(), io.config().ioThreads());
        http.mount(ENGINE_IO_PATH, new EngineIoServer(SUITE, session -> new Echo()), CorsPolicy.anyOrigin());
        io.attach(http);
        http.start();
        return new ConformanceTarget(http);
    }

    /** The port it listens on (the real one when the configuration asked for 0). */
    public int port() {
        return http.port();
    }

    /**
     * Closes every session of both servers ("server shutting down") and stops listening; closing the Courier (its
     * handler threads and stores) is still the caller's.
     */
    @Override
    public void close() {
        http.close();
    }

    /** Echoes every message back to its session. */
    private static final class Echo implements EngineIoSession.Listener {
        @Override
        public void onMessage(EngineIoSession session, String text) {
            session.send(EngineIoPacket.message(text));
        }

        @Override
        public void onBinary(EngineIoSession session, byte[] data) {
            session.send(EngineIoPacket.binary(data));
        }

        @Override
        public void onClose(EngineIoSession session, EngineIoCloseReason reason) {}
    }
}
