package io.courier.recovery;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Opens the {@link RecoveryStore} of connection state recovery when a server starts; the server closes it. Chosen in
 * the configuration ({@code connectionStateRecovery(r -> r.store(...))}); built in are {@link #inMemory()} and
 * {@link #journal(Path)}.
 */
@FunctionalInterface
public interface RecoveryStoreFactory {
    /**
     * What the server's configuration asks of any recovery store.
     *
     * @param maxDisconnectionDuration how long a session can be restored
     * @param maxPackets how many events the log keeps at most (oldest dropped first)
     */
    record Settings(Duration maxDisconnectionDuration, int maxPackets, Clock clock) {
        public Settings {
            Objects.requireNonNull(maxDisconnectionDuration, "maxDisconnectionDuration");
            Objects.requireNonNull(clock, "clock");
        }
    }

    RecoveryStore open(Settings settings);

    /** The log and sessions in memory (socket.io's behaviour): a restart forgets them. */
    static RecoveryStoreFactory inMemory() {
        return s -> new InMemoryRecoveryStore(s.maxDisconnectionDuration(), s.maxPackets(), s.clock());
    }

    /** The log and sessions also written to {@code dir} (a segment log), so recovery survives a restart. */
    static RecoveryStoreFactory journal(Path dir) {
        Objects.requireNonNull(dir, "dir");
        return s -> JournalRecoveryStore.open(dir, s.maxDisconnectionDuration(), s.maxPackets(), s.clock());
    }
}
