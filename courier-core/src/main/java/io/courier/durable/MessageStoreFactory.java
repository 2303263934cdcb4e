package io.courier.durable;

import io.courier.journal.FsyncPolicy;
import io.courier.journal.JournalConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * Opens the durable queues' {@link MessageStore} when a server starts; the server closes it. Chosen in the
 * configuration ({@code durableQueues(d -> d.store(...))}); built in are {@link #inMemory()} and {@link #journal(Path)}
 * (the embedded segment log), and a cluster store is one more implementation.
 */
@FunctionalInterface
public interface MessageStoreFactory {
    /**
     * What the server's configuration asks of any store.
     *
     * @param retention by channel, how long unacknowledged messages are kept
     * @param limits how much durable state clients may make the store keep
     * @param fsync when a publish is acknowledged relative to its fsync (for stores that write to disk)
     */
    record Settings(Function<String, Retention> retention, StoreLimits limits, FsyncPolicy fsync) {
        public Settings {
            Objects.requireNonNull(retention, "retention");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(fsync, "fsync");
        }
    }

    MessageStore open(Settings settings) throws IOException;

    /** Queues in memory: lost when the process stops. */
    static MessageStoreFactory inMemory() {
        return s -> new InMemoryMessageStore(s.retention(), s.limits());
    }

    /** Queues in {@code dir}, in the embedded segment log: they survive restarts and kill -9. */
    static MessageStoreFactory journal(Path dir) {
        Objects.requireNonNull(dir, "dir");
        return s -> JournalMessageStore.open(
                dir, JournalConfig.defaults().withFsyncPolicy(s.fsync()), s.retention(), s.limits());
    }
}
