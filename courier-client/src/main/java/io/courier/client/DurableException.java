package io.courier.client;

/** The hub refused a subscribe, unsubscribe or publish ({@code {ok: false, error}}); the message is its error. */
public final class DurableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DurableException(String message) {
        super(message);
    }
}
