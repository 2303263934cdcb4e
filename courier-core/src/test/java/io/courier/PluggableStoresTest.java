package io.courier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.durable.InMemoryMessageStore;
import io.courier.durable.JournalMessageStore;
import io.courier.durable.MessageStore;
import io.courier.durable.MessageStoreFactory;
import io.courier.durable.Retention;
import io.courier.durable.StoreException;
import io.courier.durable.StoreLimits;
import io.courier.journal.FsyncPolicy;
import io.courier.journal.JournalConfig;
import io.courier.recovery.InMemoryRecoveryStore;
import io.courier.recovery.RecoveryStore;
import io.courier.recovery.RecoveryStoreFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stores are chosen by configuration: a server opens the store its factory gives, with its settings. */
class PluggableStoresTest {
    @Test
    void theDurableQueuesUseTheStoreTheConfigurationNames() throws Exception {
        AtomicReference<MessageStoreFactory.Settings> asked = new AtomicReference<>();
        AtomicReference<MessageStore> opened = new AtomicReference<>();
        StoreLimits limits = new StoreLimits(5, 50, 500);
        Courier io = Courier.create(c -> c.host("127.0.0.1")
                .port(0)
                .durableQueues(d -> d.limits(limits).fsync(FsyncPolicy.INTERVAL).store(settings -> {
                    asked.set(settings);
                    opened.set(new InMemoryMessageStore(settings.retention(), settings.limits()));
                    return opened.get();
                })));
        try {
            assertThat(asked.get().limits()).isEqualTo(limits);
            assertThat(asked.get().fsync()).isEqualTo(FsyncPolicy.INTERVAL);
            io.start();
            DurableQueues.Published p =
                    io.durable().publish("parcels", "pickup", 1).get(10, TimeUnit.SECONDS);
            assertThat(opened.get().lastSeq("parcels").join())
                    .isEqualTo(p.seq())
                    .isEqualTo(1);
        } finally {
            io.close();
        }
        assertThatThrownBy(() -> opened.get().subscribe("driver-1", "parcels"))
                .as("closed by the server")
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void theJournalStoreOpensWithItsTuningAppliedAfterTheServersFsyncPolicy(@TempDir Path dir) throws Exception {
        AtomicReference<MessageStore> opened = new AtomicReference<>();
        MessageStoreFactory tuned = MessageStoreFactory.journal(
                dir, j -> j.withMaxBatchDelay(Duration.ofMillis(2)).withSegmentBytes(32 << 20));
        Courier io = Courier.create(c -> c.host("127.0.0.1").port(0).durableQueues(d -> d.fsync(FsyncPolicy.INTERVAL)
                .store(settings -> {
                    opened.set(tuned.open(settings));
                    return opened.get();
                })));
        try {
            JournalConfig config =
                    ((JournalMessageStore) opened.get()).journal().config();
            assertThat(config.maxBatchDelay()).isEqualTo(Duration.ofMillis(2));
            assertThat(config.segmentBytes()).isEqualTo(32 << 20);
            assertThat(config.fsyncPolicy()).isEqualTo(FsyncPolicy.INTERVAL);
            assertThat(config.maxBatch()).isEqualTo(JournalConfig.DEFAULT_MAX_BATCH);
            io.start();
            assertThat(io.durable()
                            .publish("parcels", "pickup", 1)
                            .get(10, TimeUnit.SECONDS)
                            .seq())
                    .isEqualTo(1);
        } finally {
            io.close();
        }
        MessageStoreFactory.Settings settings =
                new MessageStoreFactory.Settings(channel -> Retention.DEFAULT, StoreLimits.DEFAULT, FsyncPolicy.ALWAYS);
        assertThatThrownBy(() -> MessageStoreFactory.journal(dir, j -> null).open(settings))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("tuning's JournalConfig");
    }

    @Test
    void connectionStateRecoveryUsesTheStoreTheConfigurationNames() {
        AtomicReference<RecoveryStoreFactory.Settings> asked = new AtomicReference<>();
        Courier io = Courier.create(c -> c.host("127.0.0.1").port(0).connectionStateRecovery(r -> r.maxPackets(123)
                .maxDisconnectionDuration(Duration.ofSeconds(30))
                .store(settings -> {
                    asked.set(settings);
                    return new InMemoryRecoveryStore(
                            settings.maxDisconnectionDuration(), settings.maxPackets(), settings.clock());
                })));
        io.close();
        assertThat(asked.get().maxPackets()).isEqualTo(123);
        assertThat(asked.get().maxDisconnectionDuration()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aStoreThatCannotOpenFailsTheServerAndReleasesWhatWasAlreadyOpen() {
        AtomicBoolean recoveryClosed = new AtomicBoolean();
        assertThatThrownBy(() -> Courier.create(c -> c.connectionStateRecovery(r -> r.store(settings -> {
                            RecoveryStore real = RecoveryStoreFactory.inMemory().open(settings);
                            return (RecoveryStore) Proxy.newProxyInstance(
                                    RecoveryStore.class.getClassLoader(),
                                    new Class<?>[] {RecoveryStore.class},
                                    (proxy, method, args) -> {
                                        if (method.getName().equals("close")) {
                                            recoveryClosed.set(true);
                                        }
                                        return method.invoke(real, args);
                                    });
                        }))
                        .durableQueues(d -> d.store(settings -> {
                            throw new IOException("disk on fire");
                        }))))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("disk on fire");
        assertThat(recoveryClosed)
                .as("the recovery store opened before the failure is closed")
                .isTrue();
    }
}
