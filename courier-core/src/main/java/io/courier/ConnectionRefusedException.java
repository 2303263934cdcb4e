package io.courier;

/**
 * Thrown by a {@link Middleware} to refuse a connection: the client gets a {@code connect_error} with this message
 * and {@code data} (any JSON-serializable value, or null for none).
 */
public final class ConnectionRefusedException extends CourierException {
    private final transient Object data;

    public ConnectionRefusedException(String message) {
        this(message, null);
    }

    public ConnectionRefusedException(String message, Object data) {
        super(message);
        this.data = data;
    }

    public Object data() {
        return data;
    }
}
