package io.courier;

import java.util.Map;
import java.util.Set;

/** A socket as seen from {@code fetchSockets()}: possibly on another node of a cluster. */
public interface RemoteSocket {
    String id();

    Handshake handshake();

    /** The rooms of the socket, including its own id room. */
    Set<String> rooms();

    /** Application data attached to the socket. */
    Map<String, Object> data();

    boolean emit(String event, Object... args);

    void join(String... rooms);

    void leave(String room);

    /** Disconnects; with {@code close} the whole underlying connection is closed too. */
    void disconnect(boolean close);
}
