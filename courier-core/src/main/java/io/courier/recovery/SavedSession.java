package io.courier.recovery;

import java.util.Map;
import java.util.Set;

/**
 * What a socket that went away for a recoverable reason leaves behind.
 *
 * @param socketId the socket id to reuse
 * @param pid the private session id the client sends back
 * @param namespace the namespace the socket was in
 * @param rooms its rooms, its own id included
 * @param data a copy of its {@code socket.data()}
 * @param disconnectedAt epoch milliseconds
 */
public record SavedSession(
        String socketId,
        String pid,
        String namespace,
        Set<String> rooms,
        Map<String, Object> data,
        long disconnectedAt) {
    public SavedSession {
        rooms = Set.copyOf(rooms);
        data = Map.copyOf(data);
    }
}
