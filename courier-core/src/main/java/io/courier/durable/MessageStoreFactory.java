package io.courier.durable;

import io.courier.journal.FsyncPolicy;
import io.courier.journal.JournalConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

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
        return journal(dir, UnaryOperator.identity());
    }

    /**
     * {@link #journal(Path)} with the segment log tuned: {@code tuning} gets {@link JournalConfig#defaults()} with the
     * server's fsync policy and returns the configuration to open the log with (its word is the last, also on the
     * fsync policy), e.g. {@code j -> j.withMaxBatchDelay(Duration.ofMillis(1))} for a writer that waits up to 1 ms
     * after a publish for others to share its write and fsync (README, "Durable queues", says when that pays).
     */
    static MessageStoreFactory journal(Path dir, UnaryOperator<JournalConfig> tuning) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(tuning, "tuning");
        return s -> JournalMessageStore.open(
                dir,
                Objects.requireNonNull(
                        tuning.apply(JournalConfig.defaults().withFsyncPolicy(s.fsync())), "tuning's JournalConfig"),
                s.retention(),
                s.limits());
    }
}
