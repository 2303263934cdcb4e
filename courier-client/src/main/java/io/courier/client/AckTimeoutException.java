package io.courier.client;

/** The server did not acknowledge an event within its timeout. */
public final class AckTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AckTimeoutException(String event, java.time.Duration timeout) {
        super("no acknowledgement of \"" + event + "\" within " + timeout.toMillis() + " ms");
    }
}
