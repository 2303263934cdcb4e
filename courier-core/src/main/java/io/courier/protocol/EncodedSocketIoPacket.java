package io.courier.protocol;

import java.util.List;
import java.util.Objects;

/**
 * The result of encoding a {@link SocketIoPacket}: the packet text, without the Engine.IO {@code 4} message prefix,
 * and the binary attachments that must follow it, in order, as separate Engine.IO messages.
 *
 * <p>Immutable: the list is an unmodifiable copy. The arrays are not copied (they are the ones held by the packet's
 * {@code BinaryNode}s); callers must not modify them. Equality compares the arrays by identity.
 *
 * @param text the packet text, starting with the type digit
 * @param attachments the attachments, empty for a non-binary packet
 */
public record EncodedSocketIoPacket(String text, List<byte[]> attachments) {

    /** Checks for nulls and copies the list. */
    public EncodedSocketIoPacket {
        Objects.requireNonNull(text, "text");
        attachments = List.copyOf(attachments);
    }

    /**
     * Whether the packet was encoded as a binary packet (wire type 5 or 6).
     *
     * @return true when there is at least one attachment
     */
    public boolean isBinary() {
        return !attachments.isEmpty();
    }
}
