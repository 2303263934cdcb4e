package io.courier.journal;

import static io.courier.journal.JournalTestSupport.SMALL;
import static io.courier.journal.JournalTestSupport.appendDeterministic;
import static io.courier.journal.JournalTestSupport.assertDeterministic;
import static io.courier.journal.JournalTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentLogTest {
    @TempDir
    Path dir;

    @Test
    void recordsReadBackDenseAndInOrderAcrossSeveralSegmentsAndAfterReopen() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            appendDeterministic(log, 500, 200);
            assertThat(log.lastPosition()).isEqualTo(500);
            assertThat(log.segmentCount()).isGreaterThan(5);
            assertThat(JournalTestSupport.segmentFiles(dir)).hasSize(log.segmentCount());
            assertDeterministic(log, 1, 500, 200);
        }
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.firstPosition()).isEqualTo(1);
            assertThat(log.lastPosition()).isEqualTo(500);
            assertThat(log.corruptions()).isEmpty();
            assertDeterministic(log, 1, 500, 200);
            appendDeterministic(log, 10, 200);
            assertDeterministic(log, 250, 510, 200);
        }
    }

    @Test
    void segmentFilesAreNamedByTheirFirstPositionAndNeverExceedSegmentBytes() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            appendDeterministic(log, 300, 400);
        }
        List<Path> files = JournalTestSupport.segmentFiles(dir);
        assertThat(files.get(0).getFileName()).hasToString("00000000000000000001.seg");
        for (Path file : files) {
            assertThat(Files.size(file)).isLessThanOrEqualTo(SMALL.segmentBytes());
            long first = Long.parseLong(file.getFileName().toString().substring(0, 20));
            long firstFrame = JournalTestSupport.frameOffsets(file).get(0);
            assertThat(JournalTestSupport.framePosition(file, firstFrame)).isEqualTo(first);
        }
    }

    @Test
    void readingFromAnyPositionReturnsThatRecordFirst() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            appendDeterministic(log, 400, 100);
            for (long p = 1; p <= 400; p += 7) {
                List<LogRecord> records = log.read(p, 3);
                assertThat(records).extracting(LogRecord::position).startsWith(p);
                assertThat(records.get(0).payload()).isEqualTo(Payloads.forPosition(p, 100));
            }
            assertThat(log.read(401, 10)).isEmpty();
        }
    }

    @Test
    void sealedSegmentsGetSidecarIndexesAndMissingOrDamagedOnesAreRebuilt() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            appendDeterministic(log, 300, 200);
        }
        List<Path> sidecars = sidecars();
        assertThat(sidecars).hasSize(JournalTestSupport.segmentFiles(dir).size());
        Files.delete(sidecars.get(0));
        Files.write(sidecars.get(1), new byte[] {
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
            30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40
        });
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.lastPosition()).isEqualTo(300);
            assertDeterministic(log, 1, 300, 200);
        }
        assertThat(sidecars()).hasSameSizeAs(sidecars);
    }

    @Test
    void anEmptyLogStartsAtPositionOne() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.firstPosition()).isEqualTo(1);
            assertThat(log.lastPosition()).isZero();
            assertThat(log.read(1, 10)).isEmpty();
            assertThat(await(log.append(new byte[0]))).isEqualTo(1);
            assertThat(log.read(1, 10)).singleElement().satisfies(r -> assertThat(r.payload())
                    .isEmpty());
        }
    }

    @Test
    void aPayloadLargerThanMaxRecordBytesIsRejectedAtAppend() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThatThrownBy(() -> log.append(new byte[1025]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxRecordBytes 1024");
            assertThat(await(log.append(new byte[1024]))).isEqualTo(1);
        }
    }

    @Test
    void aMaxRecordThatDoesNotFitInASegmentIsRejectedAtOpen() {
        assertThatThrownBy(() -> SegmentLog.open(dir, SMALL.withMaxRecordBytes(4096)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxRecordBytes");
    }

    @Test
    void aRecordLargerThanTheWriteBufferRoundTrips() throws IOException {
        JournalConfig config =
                JournalConfig.defaults().withSegmentBytes(8 << 20).withMaxRecordBytes(3 << 20);
        byte[] big = Payloads.forPosition(7, 3 << 20);
        try (SegmentLog log = SegmentLog.open(dir, config)) {
            await(log.append(new byte[] {1}));
            assertThat(await(log.append(big))).isEqualTo(2);
            await(log.append(new byte[] {3}));
        }
        try (SegmentLog log = SegmentLog.open(dir, config)) {
            assertThat(log.read(1, 10)).extracting(r -> r.payload().length).containsExactly(1, big.length, 1);
            assertThat(log.read(2, 1).get(0).payload()).isEqualTo(big);
        }
    }

    @Test
    void closeCompletesEveryAcceptedAppendAndLaterAppendsAreRefused() throws IOException {
        SegmentLog log = SegmentLog.open(dir, SMALL.withMaxBatchDelay(java.time.Duration.ofMillis(50)));
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            futures.add(log.append(new byte[] {(byte) i}));
        }
        log.close();
        assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(futures.get(99).join()).isEqualTo(100);
        assertThatThrownBy(() -> log.append(new byte[1])).isInstanceOf(IllegalStateException.class);
        log.close();
    }

    @Test
    void aReaderFollowsTheWriterAndNeverServesBeyondTheLastPosition() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            LogReader reader = log.reader(1);
            assertThat(reader.next()).isNull();
            appendDeterministic(log, 30, 200);
            assertThat(reader.read(100)).hasSize(30);
            assertThat(reader.next()).isNull();
            assertThat(reader.nextPosition()).isEqualTo(31);
            appendDeterministic(log, 40, 200);
            assertThat(reader.read(100)).extracting(LogRecord::position).first().isEqualTo(31L);
        }
    }

    @Test
    void intervalPolicyCompletesAfterTheWriteAndKeepsRecordsAcrossReopen() throws IOException {
        JournalConfig config =
                SMALL.withFsyncPolicy(FsyncPolicy.INTERVAL).withFsyncInterval(java.time.Duration.ofMillis(20));
        try (SegmentLog log = SegmentLog.open(dir, config)) {
            appendDeterministic(log, 200, 200);
        }
        try (SegmentLog log = SegmentLog.open(dir, config)) {
            assertDeterministic(log, 1, 200, 200);
        }
    }

    @Test
    void sizeBytesCountsHeadersAndRecords() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            long empty = log.sizeBytes();
            assertThat(empty).isEqualTo(SegmentHeader.BYTES);
            await(log.append(new byte[100]));
            assertThat(log.sizeBytes()).isEqualTo(empty + RecordCodec.HEADER_BYTES + 100);
        }
    }

    private List<Path> sidecars() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".idx")).sorted().toList();
        }
    }
}
