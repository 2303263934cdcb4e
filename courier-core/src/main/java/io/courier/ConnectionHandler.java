package io.courier;

/** Called once per new socket, after the middlewares accepted it, on that socket's handler lane. */
@FunctionalInterface
public interface ConnectionHandler {
    void onConnection(Socket socket) throws Exception;
}
