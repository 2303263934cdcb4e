package io.courier.client;

/**
 * The acknowledgement the server asked for with an event. Call {@link #reply} at most once, from any thread; later
 * calls, and calls after the connection that carried the event is gone, are ignored (the server cannot match them).
 */
public interface Ack {
    /** Whether the server asked for an acknowledgement; when not, {@link #reply} does nothing. */
    boolean requested();

    /** Answers the server with these arguments ({@code byte[]} and {@code ByteBuffer} travel as binary). */
    void reply(Object... args);

    /** The ack of an event without ack id. */
    Ack NONE = new Ack() {
        @Override
        public boolean requested() {
            return false;
        }

        @Override
        public void reply(Object... args) {}
    };
}
