package io.courier.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Immutable Engine.IO settings.
 *
 * @param pingInterval time between server pings (reference default 25 s)
 * @param pingTimeout time to wait for the pong before closing with "ping timeout" (default 20 s)
 * @param upgradeTimeout time a probing WebSocket may take to send the upgrade packet before it is dropped (10 s)
 * @param maxHttpBufferSize the largest message a client may send, in bytes: per POST body for polling (413 beyond it),
 *     per WebSocket message (close 1009). Advertised to clients as {@code maxPayload}. Default 1,000,000.
 * @param maxBufferedBytes bound of one session's outbound buffer (packets waiting for a poll, or bytes Netty has not
 *     yet written to a slow WebSocket). When an add would pass it and the buffer is not empty, the session is closed
 *     with {@link EngineIoCloseReason#OUTBOUND_BUFFER_FULL}. Droppable packets are dropped instead whenever the
 *     transport is not writable.
 * @param transports the transports clients may use: {@code "polling"}, {@code "websocket"}
 * @param allowUpgrades whether polling sessions may upgrade to WebSocket
 * @param perMessageDeflate WebSocket compression (RFC 7692), or null for none (the default, as in socket.io)
 */
public record EngineIoConfig(
        Duration pingInterval,
        Duration pingTimeout,
        Duration upgradeTimeout,
        int maxHttpBufferSize,
        long maxBufferedBytes,
        Set<String> transports,
        boolean allowUpgrades,
        PerMessageDeflate perMessageDeflate) {

    public static final String POLLING = "polling";
    public static final String WEBSOCKET = "websocket";

    public EngineIoConfig {
        positive("pingInterval", pingInterval);
        positive("pingTimeout", pingTimeout);
        positive("upgradeTimeout", upgradeTimeout);
        if (maxHttpBufferSize <= 0) {
            throw new IllegalArgumentException("maxHttpBufferSize : " + maxHttpBufferSize + " (expected: > 0)");
        }
        if (maxBufferedBytes <= 0) {
            throw new IllegalArgumentException("maxBufferedBytes : " + maxBufferedBytes + " (expected: > 0)");
        }
        transports = Set.copyOf(transports);
        if (transports.isEmpty() || !Set.of(POLLING, WEBSOCKET).containsAll(transports)) {
            throw new IllegalArgumentException(
                    "transports : " + transports + " (expected: a non-empty subset of [polling, websocket])");
        }
    }

    /** Settings without WebSocket compression. */
    public EngineIoConfig(
            Duration pingInterval,
            Duration pingTimeout,
            Duration upgradeTimeout,
            int maxHttpBufferSize,
            long maxBufferedBytes,
            Set<String> transports,
            boolean allowUpgrades) {
        this(
                pingInterval,
                pingTimeout,
                upgradeTimeout,
                maxHttpBufferSize,
                maxBufferedBytes,
                transports,
                allowUpgrades,
                null);
    }

    /** The reference server's defaults. */
    public static EngineIoConfig defaults() {
        return new EngineIoConfig(
                Duration.ofSeconds(25),
                Duration.ofSeconds(20),
                Duration.ofSeconds(10),
                1_000_000,
                16L * 1024 * 1024,
                Set.of(POLLING, WEBSOCKET),
                true);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " : " + d + " (expected: > 0)");
        }
    }
}
