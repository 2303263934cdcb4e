package io.courier.recovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Where recovery state lives: the packet log and the saved sessions. Thread-safe; no method blocks (a network store
 * sends its request and returns a stage that completes when the answer comes, on any thread).
 *
 * <p>Ordering contract: offsets follow the order of the calls. If one call to {@link #append} or {@link #restore}
 * returns before another one starts, the first one's packet has the lower offset, and a {@link #restore} sees every
 * packet whose {@code append} returned before it started and none whose {@code append} started after it returned.
 * The server calls them one at a time, in its {@link RecoveryOutbox}'s order, and fans out in that order; it never
 * relies on the order in which the stages complete.
 *
 * <p>Every stage must complete, exceptionally if need be (a network store fails a request it got no answer to in
 * time): the server's {@link RecoveryOutbox} runs its turns in order, so one stage that never completes holds back every
 * later emit until the outbox's bound refuses new ones.
 */
public interface RecoveryStore {
    /**
     * Assigns the next offset, appends it to a copy of {@code data} (Socket.IO's rule: the offset is the last argument)
     * and logs the packet; the stage completes with the logged packet. {@code data} is not modified.
     */
    CompletionStage<LoggedPacket> append(String namespace, Set<String> rooms, Set<String> except, ArrayNode data);

    /** Saves a session; it can be restored until {@code maxDisconnectionDuration} passes. */
    CompletionStage<Void> save(SavedSession session);

    /**
     * Restores the session of {@code pid} if it exists, is young enough, and {@code offset} is still in the log: the
     * stage completes with it and with the logged packets after {@code offset} that reached it, in log order, as of
     * this call (see the ordering contract); empty if it cannot be restored. The saved session stays, as in the
     * reference server: the next disconnect overwrites it.
     */
    CompletionStage<Optional<Restored>> restore(String pid, String offset);

    /** A restorable session and what it missed, in log order. */
    record Restored(SavedSession session, List<LoggedPacket> missed) {
        public Restored {
            missed = List.copyOf(missed);
        }
    }

    /** The session of {@code pid} if {@link #restore} would restore it now (same checks, nothing changes). */
    CompletionStage<Optional<SavedSession>> restorable(String pid, String offset);

    /** Drops what is older than the retention; called periodically. */
    CompletionStage<Void> expire();

    /** A session by pid, for tests and diagnostics. */
    CompletionStage<Optional<SavedSession>> session(String pid);

    /** Releases files or connections; called when the server stops. */
    default void close() {}
}
