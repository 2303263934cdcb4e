package io.courier;

/**
 * A snapshot of a server's Engine.IO connections and their traffic since the server was created, from
 * {@link Courier#stats()}. Message payloads only: no framing, heartbeats or HTTP overhead.
 *
 * @param connections connections open now (socket.io's {@code io.engine.clientsCount})
 * @param pollingConnections those of them on HTTP long-polling (not upgraded to WebSocket)
 * @param connectionsOpened connections opened since start
 * @param connectionsClosed connections closed since start
 * @param messagesIn messages received (text and binary; pings and pongs excluded)
 * @param messagesOut messages sent, per recipient
 * @param bytesIn bytes of received messages (text counted as its UTF-16 length, an approximation of its UTF-8 size)
 * @param bytesOut bytes of sent messages
 */
public record ServerStats(
        int connections,
        int pollingConnections,
        long connectionsOpened,
        long connectionsClosed,
        long messagesIn,
        long messagesOut,
        long bytesIn,
        long bytesOut) {}
