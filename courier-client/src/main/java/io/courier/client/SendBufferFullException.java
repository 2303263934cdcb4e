package io.courier.client;

/**
 * An emit was refused because {@code maxBufferedPackets} emits already wait (while disconnected, or for a slow
 * transport). Nothing was sent; try again later.
 */
public final class SendBufferFullException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    SendBufferFullException(int limit) {
        super(limit + " emits are already waiting to be sent (maxBufferedPackets)");
    }
}
