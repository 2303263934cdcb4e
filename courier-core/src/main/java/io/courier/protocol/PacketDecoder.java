package io.courier.protocol;

/**
 * Turns one connection's Engine.IO messages into packets (see {@link Parser}). Used from one thread at a time; after
 * a {@link SocketIoProtocolException} the connection is expected to be closed.
 */
public interface PacketDecoder {
    /**
     * Decodes a text message.
     *
     * @param text the data of an Engine.IO message, without its {@code 4}
     * @return the packet, or null when more messages are needed to complete it
     * @throws SocketIoProtocolException when the protocol does not allow it
     */
    SocketIoPacket decodeText(String text);

    /**
     * Decodes a binary message. The decoder may keep the array (it is not copied).
     *
     * @param message the message bytes
     * @return the packet, or null when more messages are needed to complete it
     * @throws SocketIoProtocolException when the protocol does not allow it
     */
    SocketIoPacket decodeBinary(byte[] message);

    /**
     * The ack id of {@code text} if it is an ACK without arguments to the main namespace ({@code 3<id>[]}, what every
     * durable delivery's ack is) that {@link #decodeText} would accept, so that the caller can handle it without a
     * packet; -1 for anything else (then {@code decodeText} decodes it as usual).
     */
    default long emptyMainAckId(String text) {
        return -1;
    }

    /**
     * The ack id of {@code text} if it is a durable delivery's cumulative ack to the main namespace, {@code
     * 3<id>[{"cumulative":true}]} byte for byte (as {@code JSON.stringify} writes it), that {@link #decodeText} would
     * accept, so that the caller can handle it without parsing its argument; -1 for anything else.
     */
    default long cumulativeMainAckId(String text) {
        return -1;
    }

    /** Drops a partially received packet, if any. */
    void reset();
}
