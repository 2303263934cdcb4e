package io.courier.durable;

/** A {@link MessageStore} could not do what was asked (disk full, write error, queue full, closed); nothing was acknowledged. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
