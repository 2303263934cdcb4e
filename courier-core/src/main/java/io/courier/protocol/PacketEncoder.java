package io.courier.protocol;

/** Turns packets into what goes into Engine.IO messages (see {@link Parser}). Stateless and thread-safe. */
public interface PacketEncoder {
    /**
     * Encodes one packet.
     *
     * @param packet the packet
     * @return its Engine.IO messages
     * @throws IllegalArgumentException if the format cannot carry the packet
     */
    EncodedSocketIoPacket encode(SocketIoPacket packet);

    /**
     * Encodes a packet that is one Engine.IO text message straight into that message's bytes ({@code 4} and the
     * packet text, UTF-8), when the format allows it; {@link #encode} is used otherwise. What it returns must be what
     * {@link #encode} would give as its text, encoded.
     *
     * @param packet the packet
     * @return the message bytes (the caller owns them), or null: use {@link #encode}
     */
    default byte[] encodeTextMessage(SocketIoPacket packet) {
        return null;
    }
}
