package io.courier.client;

/** The server sent something the Engine.IO v4 / Socket.IO v5 protocol does not allow; the connection is dropped. */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong */
    public ProtocolException(String message) {
        super(message);
    }
}
