package io.courier.client;

/** Receives one event: {@code socket.on("chat", (args, ack) -> ...)}. Runs on the client's callback executor. */
@FunctionalInterface
public interface EventListener {
    /**
     * @param args the event's arguments (without its name)
     * @param ack the acknowledgement the server asked for, or {@link Ack#NONE}
     */
    void onEvent(Args args, Ack ack);
}
