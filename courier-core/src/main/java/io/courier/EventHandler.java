package io.courier;

/** Handles one event. Runs on the handler executor, serially per socket; may block; exceptions are logged. */
@FunctionalInterface
public interface EventHandler {
    void handle(EventArgs args, Ack ack) throws Exception;
}
