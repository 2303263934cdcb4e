package io.courier.journal;

import static io.courier.journal.JournalTestSupport.SMALL;
import static io.courier.journal.JournalTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R8 (first half): a torn tail is truncated to the last intact record, and appending continues after it. */
class TornTailTest {
    private static final int RECORDS = 120;
    private static final int MAX_PAYLOAD = 200;

    @TempDir
    Path root;

    @Test
    void cuttingTheLastSegmentAtEveryByteOfTheLastRecordLeavesTheRecordBeforeItAsTheLast() throws IOException {
        Path original = writeLog();
        Path lastSegment = lastSegment(original);
        List<Long> frames = JournalTestSupport.frameOffsets(lastSegment);
        long lastFrame = frames.get(frames.size() - 1);
        long size = Files.size(lastSegment);
        assertThat(size - lastFrame).isGreaterThan(RecordCodec.HEADER_BYTES);
        for (long cut = lastFrame; cut < size; cut++) {
            Path copy = root.resolve("cut-" + cut);
            JournalTestSupport.copyDirectory(original, copy);
            try (FileChannel channel = FileChannel.open(lastSegment(copy), StandardOpenOption.WRITE)) {
                channel.truncate(cut);
            }
            assertRecoversTo(copy, RECORDS - 1);
        }
    }

    @Test
    void garbageOrZerosAfterTheLastRecordAreTruncated() throws IOException {
        Path original = writeLog();
        for (int seed = 0; seed < 12; seed++) {
            Random random = new Random(seed);
            byte[] garbage = new byte[1 + random.nextInt(3000)];
            if (seed % 3 != 0) {
                random.nextBytes(garbage);
            }
            Path copy = root.resolve("garbage-" + seed);
            JournalTestSupport.copyDirectory(original, copy);
            Files.write(lastSegment(copy), garbage, StandardOpenOption.APPEND);
            assertRecoversTo(copy, RECORDS);
        }
    }

    @Test
    void aDamagedChecksumInTheLastRecordIsATornTail() throws IOException {
        Path original = writeLog();
        Path lastSegment = lastSegment(original);
        List<Long> frames = JournalTestSupport.frameOffsets(lastSegment);
        JournalTestSupport.flipByte(lastSegment, frames.get(frames.size() - 1) + 5);
        assertRecoversTo(original, RECORDS - 1);
    }

    @Test
    void theCutIsReportedWithItsBytesAndTheRecordsItCanHaveHeld() throws IOException {
        Path original = writeLog();
        Path lastSegment = lastSegment(original);
        List<Long> frames = JournalTestSupport.frameOffsets(lastSegment);
        long lastFrame = frames.get(frames.size() - 1);
        long size = Files.size(lastSegment);
        JournalTestSupport.flipByte(lastSegment, size - 1); // the last payload byte: the frame header still reads
        Files.write(lastSegment, new byte[40], StandardOpenOption.APPEND); // and zeros after it
        byte[] file = Files.readAllBytes(lastSegment);
        try (SegmentLog log = SegmentLog.open(original, SMALL)) {
            assertThat(log.tornTails()).hasSize(1);
            TornTail torn = log.tornTails().get(0);
            assertThat(torn.segment()).isEqualTo(lastSegment.getFileName().toString());
            assertThat(torn.afterPosition()).isEqualTo(RECORDS - 1);
            assertThat(torn.fileOffset()).isEqualTo(lastFrame);
            assertThat(torn.bytes()).isEqualTo(size + 40 - lastFrame);
            // the damaged frame names its position (1 record), then 40 bytes of zeros can hold up to 3 more
            assertThat(torn.positions()).isEqualTo(1 + 3);
            assertThat(torn.head()).isEqualTo(java.util.Arrays.copyOfRange(file, (int) lastFrame, (int) (size + 40)));
        }
        try (SegmentLog log = SegmentLog.open(original, SMALL)) {
            assertThat(log.tornTails()).as("reported by the open that cut it").isEmpty();
        }
    }

    @Test
    void aTailSegmentCutInsideItsHeaderGetsANewHeader() throws IOException {
        Path original = writeLog();
        Path lastSegment = lastSegment(original);
        long first = Long.parseLong(lastSegment.getFileName().toString().substring(0, 20));
        try (FileChannel channel = FileChannel.open(lastSegment, StandardOpenOption.WRITE)) {
            channel.truncate(7);
        }
        Files.deleteIfExists(Segment.indexPath(lastSegment));
        assertRecoversTo(original, first - 1);
    }

    /** Found by {@link SegmentRecoveryFuzzTest} (crash-a45c983e...): the first open and the next disagreed. */
    @Test
    void damageOverTheLastIndexPointOfACleanCloseIsATornTailOnEveryOpen() throws IOException {
        Path original = writeLog();
        Path lastSegment = lastSegment(original);
        long first = Long.parseLong(lastSegment.getFileName().toString().substring(0, 20));
        SegmentIndex.Sidecar sidecar =
                SegmentIndex.readSidecar(Segment.indexPath(lastSegment), first, SMALL.indexIntervalBytes());
        assertThat(sidecar).as("sidecar of the clean close").isNotNull();
        List<Long> frames = JournalTestSupport.frameOffsets(lastSegment);
        int lastIndexed = frames.indexOf(sidecar.index().last().offset());
        assertThat(lastIndexed).isPositive();
        // zeros from the frame before the last index point to the end, as damaged blocks read back
        long zeroFrom = frames.get(lastIndexed - 1);
        long expectedLast = JournalTestSupport.framePosition(lastSegment, zeroFrom) - 1;
        try (FileChannel channel = FileChannel.open(lastSegment, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.allocate((int) (channel.size() - zeroFrom)), zeroFrom);
        }
        assertRecoversTo(original, expectedLast);
    }

    private void assertRecoversTo(Path dir, long expectedLast) throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.lastPosition()).as("last position of %s", dir).isEqualTo(expectedLast);
            assertThat(log.corruptions()).isEmpty();
            JournalTestSupport.assertDeterministic(log, 1, expectedLast, MAX_PAYLOAD);
            byte[] next = Payloads.forPosition(expectedLast + 1, MAX_PAYLOAD);
            assertThat(await(log.append(next))).isEqualTo(expectedLast + 1);
        }
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            JournalTestSupport.assertDeterministic(log, 1, expectedLast + 1, MAX_PAYLOAD);
        }
    }

    private Path writeLog() throws IOException {
        Path dir = root.resolve("original");
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            JournalTestSupport.appendDeterministic(log, RECORDS - 1, MAX_PAYLOAD);
            // a last record with a known, non-empty payload
            byte[] last = Payloads.forPosition(RECORDS, MAX_PAYLOAD);
            assertThat(last.length).isPositive();
            await(log.append(last));
        }
        return dir;
    }

    private static Path lastSegment(Path dir) throws IOException {
        List<Path> segments = JournalTestSupport.segmentFiles(dir);
        assertThat(segments).hasSizeGreaterThan(1);
        return segments.get(segments.size() - 1);
    }
}
