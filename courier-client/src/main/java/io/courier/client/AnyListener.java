package io.courier.client;

/** Receives every event of a socket, before the listeners of its name: {@code socket.onAny(...)}. */
@FunctionalInterface
public interface AnyListener {
    void onEvent(String event, Args args, Ack ack);
}
