package io.courier.client;

/**
 * The connection ended before the server acknowledged an event that had been sent (the server cannot acknowledge it
 * on a new connection), or the client was closed.
 */
public final class DisconnectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DisconnectedException(String reason) {
        super("disconnected before the acknowledgement: " + reason);
    }
}
