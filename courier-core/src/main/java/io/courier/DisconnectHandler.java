package io.courier;

/** Called when a socket leaves (or is about to leave) its namespace, on that socket's handler lane. */
@FunctionalInterface
public interface DisconnectHandler {
    void onDisconnect(DisconnectReason reason) throws Exception;
}
