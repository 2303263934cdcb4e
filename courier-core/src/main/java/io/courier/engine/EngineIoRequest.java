package io.courier.engine;

import io.courier.internal.SmallStringMap;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the handshake request said: an immutable snapshot kept for the session's lifetime.
 *
 * @param url the request URI (path and query)
 * @param query decoded query parameters (first value of each)
 * @param headers request headers, names lower-cased, values of repeated headers joined with ", "
 * @param remoteAddress the peer address
 * @param secure whether the connection used TLS
 * @param issuedMillis when the handshake arrived, in milliseconds since the epoch (kept as a number: an {@code
 *     Instant} per session would cost 24 bytes; {@link #issued()} makes one)
 */
public record EngineIoRequest(
        String url,
        Map<String, String> query,
        Map<String, String> headers,
        SocketAddress remoteAddress,
        boolean secure,
        long issuedMillis) {
    public EngineIoRequest {
        // kept for the session's lifetime: compact, and shared when the caller already made them so
        query = SmallStringMap.copyOf(query);
        headers = SmallStringMap.copyOf(headers);
    }

    /** When the handshake arrived (millisecond precision, the reference server's). */
    public Instant issued() {
        return Instant.ofEpochMilli(issuedMillis);
    }

    /** A header value by case-insensitive name, or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    static List<String> transportsOf(EngineIoConfig config, boolean websocket) {
        return !websocket && config.allowUpgrades() && config.transports().contains(EngineIoConfig.WEBSOCKET)
                ? List.of(EngineIoConfig.WEBSOCKET)
                : List.of();
    }
}
