package io.courier.recovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where recovery state lives: the packet log and the saved sessions. Thread-safe.
 *
 * <p>Ordering contract: {@link #append} and {@link #restore} run their callbacks under one lock, so the fan-out of
 * each packet is queued in offset order and a restored socket gets its missed packets before any later one.
 */
public interface RecoveryStore {
    /**
     * Assigns the next offset, appends it to {@code data} (Socket.IO's rule: the offset is the last argument), logs
     * the packet, and calls {@code fanOut} with it while still holding the store's order.
     */
    void append(String namespace, Set<String> rooms, Set<String> except, ArrayNode data, Consumer<LoggedPacket> fanOut);

    /** Saves a session; it can be restored until {@code maxDisconnectionDuration} passes. */
    void save(SavedSession session);

    /**
     * Restores the session of {@code pid} if it exists, is young enough, and {@code offset} is still in the log: calls
     * {@code onRestore} with it and with the logged packets after {@code offset} that reached it, in log order, under
     * the store's order. Returns whether it did.
     */
    boolean restore(String pid, String offset, RestoreHandler onRestore);

    /** Receives a restorable session and what it missed. */
    @FunctionalInterface
    interface RestoreHandler {
        void restored(SavedSession session, List<LoggedPacket> missed);
    }

    /** The session of {@code pid} if {@link #restore} would restore it now (same checks, nothing changes). */
    Optional<SavedSession> restorable(String pid, String offset);

    /** Drops what is older than the retention; called periodically. */
    void expire();

    /** A session by pid, for tests and diagnostics. */
    Optional<SavedSession> session(String pid);

    /** Releases files or connections; called when the server stops. */
    default void close() {}
}
