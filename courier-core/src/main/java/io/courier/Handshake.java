package io.courier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a client said when it connected to a namespace (Socket.IO's {@code socket.handshake}).
 *
 * @param headers HTTP headers of the first request, lower-case names
 * @param query query parameters of the first request
 * @param auth the CONNECT packet's auth object ({@code {}} when absent); do not modify
 * @param remoteAddress the client's socket address (see {@link #address()})
 * @param secure whether TLS was used
 * @param issued when the engine connection was opened
 * @param url the first request's URI
 */
public record Handshake(
        Map<String, String> headers,
        Map<String, String> query,
        ObjectNode auth,
        SocketAddress remoteAddress,
        boolean secure,
        Instant issued,
        String url) {

    /** The client's address as text, e.g. {@code /127.0.0.1:51234} (socket.io's {@code handshake.address}). */
    public String address() {
        return String.valueOf(remoteAddress);
    }

    /** A header by case-insensitive name. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    /** A query parameter. */
    public Optional<String> query(String name) {
        return Optional.ofNullable(query.get(name));
    }

    /** A member of the auth object; strings and numbers are returned as text. */
    public Optional<String> auth(String key) {
        JsonNode n = auth.get(key);
        return n == null || n.isNull() || n.isContainerNode() ? Optional.empty() : Optional.of(n.asText());
    }
}
