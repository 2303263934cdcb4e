package io.courier.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R2, the power-loss analog: under {@link FsyncPolicy#ALWAYS}, throwing away every byte that no fsync covered loses
 * no acknowledged record. Under {@link FsyncPolicy#INTERVAL} it may lose the acknowledged records written since the
 * last fsync, and only those: what is left is a clean prefix of the log.
 */
class PowerLossTest {
    @TempDir
    Path dir;

    @Test
    void losingEveryUnsyncedByteLosesNoAcknowledgedRecord() throws Exception {
        for (int round = 0; round < 3; round++) {
            runRound(dir.resolve("round-" + round), round, FsyncPolicy.ALWAYS);
        }
    }

    @Test
    void underIntervalFsyncAPowerLossLeavesACleanPrefix() throws Exception {
        for (int round = 0; round < 2; round++) {
            runRound(dir.resolve("interval-" + round), round, FsyncPolicy.INTERVAL);
        }
    }

    private void runRound(Path logDir, int round, FsyncPolicy policy) throws Exception {
        FaultyChannels channels = new FaultyChannels();
        JournalConfig config = JournalConfig.defaults()
                .withFsyncPolicy(policy)
                .withFsyncInterval(Duration.ofMillis(20))
                .withSegmentBytes(64 << 10)
                .withMaxRecordBytes(1024)
                .withMaxBatchDelay(Duration.ofMillis(1));
        Map<Long, Long> acknowledged = new ConcurrentHashMap<>(); // position -> record id
        SegmentLog log = SegmentLog.open(logDir, config, channels);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ids = new AtomicInteger();
        CountDownLatch enough = new CountDownLatch(2000 + 500 * round);
        Thread[] appenders = new Thread[4];
        for (int t = 0; t < appenders.length; t++) {
            appenders[t] = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    long id = ids.incrementAndGet();
                    CompletableFuture<Long> future;
                    try {
                        future = log.append(payload(id));
                    } catch (JournalFullException | IllegalStateException e) {
                        Thread.onSpinWait();
                        continue;
                    }
                    future.whenComplete((position, error) -> {
                        if (error == null) {
                            acknowledged.put(position, id);
                            enough.countDown();
                        }
                    });
                }
            });
        }
        assertThat(enough.await(30, TimeUnit.SECONDS)).isTrue();
        channels.crash();
        stop.set(true);
        for (Thread appender : appenders) {
            appender.join(30_000);
        }
        log.close();
        // futures may still complete after crash() when their fsync had returned before it; none can after close()
        Map<Long, Long> ackedAtCrash = Map.copyOf(acknowledged);

        for (Map.Entry<Path, Long> file : channels.durableSizes().entrySet()) {
            try (FileChannel channel = FileChannel.open(file.getKey(), StandardOpenOption.WRITE)) {
                channel.truncate(file.getValue());
            }
        }
        try (SegmentLog reopened = SegmentLog.open(logDir, config)) {
            assertThat(reopened.corruptions()).isEmpty();
            long maxAcked = ackedAtCrash.keySet().stream()
                    .mapToLong(Long::longValue)
                    .max()
                    .orElseThrow();
            if (policy == FsyncPolicy.ALWAYS) {
                assertThat(reopened.lastPosition()).isGreaterThanOrEqualTo(maxAcked);
            }
            List<LogRecord> records = reopened.read(1, Integer.MAX_VALUE);
            assertThat(records).hasSize((int) reopened.lastPosition());
            for (LogRecord record : records) {
                Long id = ackedAtCrash.get(record.position());
                if (id != null) {
                    assertThat(record.payload())
                            .as("position %d", record.position())
                            .isEqualTo(payload(id));
                }
            }
        }
        assertThat(Files.list(logDir).count()).isPositive();
    }

    private static byte[] payload(long id) {
        ByteBuffer buffer = ByteBuffer.allocate(8 + (int) (id % 100));
        buffer.putLong(id);
        return buffer.array();
    }
}
