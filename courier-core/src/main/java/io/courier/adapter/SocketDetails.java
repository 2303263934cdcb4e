package io.courier.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * A socket described for another node of a cluster, in the shape socket.io's adapters exchange for
 * {@code fetchSockets()}: its id, rooms (its own id included), handshake
 * ({@code {headers, time, address, xdomain, secure, issued, url, query, auth}}) and application data.
 *
 * @param handshake the handshake as JSON; never null
 * @param data the socket's data as JSON ({@code null} node when it has none or cannot be written as JSON)
 */
public record SocketDetails(String id, Set<String> rooms, JsonNode handshake, JsonNode data) {
    public SocketDetails {
        rooms = Set.copyOf(rooms);
    }
}
