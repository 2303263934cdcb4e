package io.courier.protocol;

import java.util.List;

/**
 * The result of encoding a {@link SocketIoPacket}: its Engine.IO messages, in order. With the text format ({@link
 * SocketIoPacketEncoder}) that is the packet text, without the Engine.IO {@code 4} message prefix, then the binary
 * attachments, each as a separate binary message; a format whose packets are binary messages (the msgpack parser) has
 * no text and one binary message ({@link #binaryMessage}).
 *
 * <p>Immutable: the list is an unmodifiable copy. The arrays are not copied (they are the ones held by the packet's
 * {@code BinaryNode}s); callers must not modify them. Equality compares the arrays by identity.
 *
 * @param text the packet text, starting with the type digit; null when the packet is binary messages only
 * @param attachments the binary messages that follow the text, empty for a text packet without binary
 */
public record EncodedSocketIoPacket(String text, List<byte[]> attachments) {

    /** Copies the list; without text there must be binary messages. */
    public EncodedSocketIoPacket {
        attachments = List.copyOf(attachments);
        if (text == null && attachments.isEmpty()) {
            throw new IllegalArgumentException("a packet without text needs binary messages");
        }
    }

    /**
     * A packet that is one binary message (no text, no attachments).
     *
     * @param message the message bytes (not copied)
     * @return the encoded packet
     */
    public static EncodedSocketIoPacket binaryMessage(byte[] message) {
        return new EncodedSocketIoPacket(null, List.of(message));
    }

    /**
     * Whether the packet has binary messages (text format: wire type 5 or 6).
     *
     * @return true when there is at least one binary message
     */
    public boolean isBinary() {
        return !attachments.isEmpty();
    }
}
