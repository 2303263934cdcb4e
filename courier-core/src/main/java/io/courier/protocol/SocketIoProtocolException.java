package io.courier.protocol;

import io.netty.handler.codec.DecoderException;

/**
 * Thrown when a peer sends a Socket.IO packet or attachment that violates the protocol. The message is short,
 * lowercase, names the violated rule and, for lexical errors, the 0-based position in the packet text; it never
 * contains the whole payload. The connection that produced it should be closed.
 */
public final class SocketIoProtocolException extends DecoderException {

    /**
     * Creates the exception.
     *
     * @param message the short description of the violated rule
     */
    public SocketIoProtocolException(String message) {
        super(message);
    }
}
