package io.courier.journal;

import static io.courier.journal.JournalTestSupport.SMALL;
import static io.courier.journal.JournalTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteFailureTest {
    @TempDir
    Path dir;

    @Test
    void aFailedBatchFailsItsFuturesWithTheCauseAndTheNextAppendSucceeds() throws Exception {
        FaultyChannels channels = new FaultyChannels();
        try (SegmentLog log = SegmentLog.open(dir, SMALL, channels)) {
            JournalTestSupport.appendDeterministic(log, 20, 100);
            channels.failWrites(Integer.MAX_VALUE, "No space left on device", true);
            List<CompletableFuture<Long>> failed = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                failed.add(log.append(new byte[] {9, 9, 9}));
            }
            for (CompletableFuture<Long> future : failed) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                        ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
                assertThat(e.getCause())
                        .isInstanceOf(JournalWriteException.class)
                        .hasMessageContaining("No space left on device");
            }
            assertThat(log.lastPosition()).isEqualTo(20);
            JournalTestSupport.assertDeterministic(log, 1, 20, 100);

            channels.failWrites(0, "", false);
            assertThat(await(log.append(Payloads.forPosition(21, 100)))).isEqualTo(21);
            JournalTestSupport.assertDeterministic(log, 1, 21, 100);
        }
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.corruptions()).isEmpty();
            JournalTestSupport.assertDeterministic(log, 1, 21, 100);
        }
    }

    @Test
    void anAppendMadeBeforeAFailedWriteItDidNotSeeIsRefusedAndNothingIsStoredAfterTheFailedRecords() throws Exception {
        FaultyChannels channels = new FaultyChannels();
        try (SegmentLog log = SegmentLog.open(dir, SMALL, channels)) {
            JournalTestSupport.appendDeterministic(log, 5, 100);
            long seen = log.writeFailures();
            assertThat(seen).isZero();
            channels.blockWrites();
            CompletableFuture<Long> failing = log.append(new byte[] {1}, seen);
            assertThat(channels.writeBlocked().await(30, TimeUnit.SECONDS)).isTrue();
            // queued while the write of the first one is stuck: a later batch
            List<CompletableFuture<Long>> sameRun = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                sameRun.add(log.append(new byte[] {2}, seen));
            }
            CompletableFuture<Long> unconditional = log.append(Payloads.forPosition(6, 100));
            channels.failWrites(1, "No space left on device", false);
            channels.unblockWrites();

            assertThat(await(unconditional)).isEqualTo(6);
            assertThat(failing).isCompletedExceptionally();
            assertThat(log.writeFailures()).isEqualTo(1);
            for (CompletableFuture<Long> refused : sameRun) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                        ExecutionException.class, () -> refused.get(30, TimeUnit.SECONDS));
                assertThat(e.getCause())
                        .isInstanceOf(JournalWriteException.class)
                        .hasMessageContaining("refused")
                        .hasMessageContaining("No space left on device");
            }
            JournalTestSupport.assertDeterministic(log, 1, 6, 100);
            // a run that starts after the failure was counted is written
            assertThat(await(log.append(Payloads.forPosition(7, 100), log.writeFailures())))
                    .isEqualTo(7);
        }
    }

    @Test
    void aFailureWhileRollingToANewSegmentKeepsTheRecordsOfTheOldOne() throws Exception {
        FaultyChannels channels = new FaultyChannels();
        try (SegmentLog log = SegmentLog.open(dir, SMALL, channels)) {
            JournalTestSupport.appendDeterministic(log, 25, 200); // nearly fills the first 4 KiB segment
            channels.failWrites(1, "Input/output error", false);
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                futures.add(log.append(Payloads.forPosition(26 + i, 200)));
            }
            long ok = futures.stream()
                    .filter(f -> {
                        try {
                            f.get(30, TimeUnit.SECONDS);
                            return true;
                        } catch (Exception e) {
                            assertThat(e.getCause()).isInstanceOf(JournalWriteException.class);
                            return false;
                        }
                    })
                    .count();
            assertThat(ok).isLessThan(40);
            long last = log.lastPosition();
            assertThat(last).isEqualTo(25 + ok);
            long next = await(log.append(new byte[] {1}));
            assertThat(next).isEqualTo(last + 1);
        }
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.corruptions()).isEmpty();
            assertThat(log.read(1, 1000))
                    .extracting(LogRecord::position)
                    .doesNotHaveDuplicates()
                    .hasSize((int) log.lastPosition());
        }
    }

    @Test
    void theWriterThreadSurvivesFailuresAndCloseStillWorks() throws IOException {
        FaultyChannels channels = new FaultyChannels();
        SegmentLog log = SegmentLog.open(dir, SMALL, channels);
        channels.failWrites(Integer.MAX_VALUE, "No space left on device", false);
        for (int i = 0; i < 3; i++) {
            CompletableFuture<Long> future = log.append(new byte[] {1});
            assertThat(future).failsWithin(java.time.Duration.ofSeconds(30));
        }
        channels.failWrites(0, "", false);
        assertThat(await(log.append(new byte[] {2}))).isEqualTo(1);
        log.close();
    }
}
