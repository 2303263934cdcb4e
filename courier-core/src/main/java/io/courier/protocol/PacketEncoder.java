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
}
