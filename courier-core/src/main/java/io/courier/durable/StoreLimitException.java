package io.courier.durable;

/** A publish or subscription refused because it would go beyond one of the store's {@link StoreLimits}. */
public class StoreLimitException extends StoreException {
    public StoreLimitException(String message) {
        super(message);
    }
}
