package io.courier.bench.client;

import io.netty.buffer.ByteBuf;

/**
 * What a scenario does with a connection's traffic, called on the load generator's event loop. Event and ack
 * arguments are given as the byte range {@code [from, to)} of {@code buf} holding the JSON array (valid only during the
 * call).
 */
public interface WsListener {
    /** The Socket.IO CONNECT answer arrived. */
    void onConnected(WsConnection c);

    /** A Socket.IO EVENT; {@code ackId} is -1 when the server asked for no ack. */
    default void onEvent(WsConnection c, ByteBuf buf, int from, int to, int ackId) {}

    /** A Socket.IO ACK for an event this connection sent. */
    default void onAck(WsConnection c, int ackId, ByteBuf buf, int from, int to) {}

    /** The end of one read from the socket, before what was sent during it is flushed. */
    default void onReadComplete(WsConnection c) {}

    default void onClosed(WsConnection c) {}

    default void onError(WsConnection c, String message) {}
}
