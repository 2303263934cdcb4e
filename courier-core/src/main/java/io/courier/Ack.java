package io.courier;

/** The acknowledgement callback of one received event. */
public interface Ack {
    /** Whether the client asked for an acknowledgement. */
    boolean requested();

    /**
     * Sends the acknowledgement with these arguments (byte arrays travel as binary). Only the first call sends; later
     * calls, and calls when {@link #requested()} is false, do nothing. Safe from any thread.
     */
    void reply(Object... args);
}
