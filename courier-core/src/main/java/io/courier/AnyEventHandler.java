package io.courier;

/** Sees every event, with its name (Socket.IO's {@code onAny} / {@code onAnyOutgoing}). */
@FunctionalInterface
public interface AnyEventHandler {
    void handle(String event, EventArgs args) throws Exception;
}
