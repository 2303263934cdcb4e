package io.courier.journal;

import static io.courier.journal.JournalTestSupport.SMALL;
import static io.courier.journal.JournalTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R8 (second half): damage in the middle of the log is reported, never truncated silently and never served. */
class CorruptionTest {
    private static final int RECORDS = 300;
    private static final int MAX_PAYLOAD = 200;

    @TempDir
    Path dir;

    @Test
    void aFlippedPayloadByteInASealedSegmentFailsOnlyThatRecord() throws IOException {
        Damage damage = damageMiddleRecordOfSegment(1, FrameField.PAYLOAD);
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.lastPosition()).isEqualTo(RECORDS);
            JournalTestSupport.assertDeterministic(log, 1, damage.position - 1, MAX_PAYLOAD);
            assertThatThrownBy(() -> log.read(damage.position, 1))
                    .isInstanceOfSatisfying(CorruptRecordException.class, e -> {
                        assertThat(e.position()).isEqualTo(damage.position);
                        assertThat(e.resumePosition()).isEqualTo(damage.position + 1);
                        assertThat(e.segment())
                                .isEqualTo(damage.segment.getFileName().toString());
                    })
                    .hasMessageContaining("position " + damage.position);
            assertThat(log.corruptions())
                    .containsExactly(new Corruption(
                            damage.segment.getFileName().toString(),
                            damage.position,
                            damage.position,
                            damage.offset,
                            FrameScanner.DAMAGED));
            JournalTestSupport.assertDeterministic(log, damage.position + 1, RECORDS, MAX_PAYLOAD);
        }
    }

    @Test
    void aReaderReportsTheDamagedRecordOnceAndContinuesAfterIt() throws IOException {
        Damage damage = damageMiddleRecordOfSegment(2, FrameField.PAYLOAD);
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            LogReader reader = log.reader(1);
            List<LogRecord> before = reader.read(RECORDS);
            assertThat(before).hasSize((int) damage.position - 1);
            assertThatThrownBy(reader::next).isInstanceOf(CorruptRecordException.class);
            assertThat(reader.nextPosition()).isEqualTo(damage.position + 1);
            assertThat(reader.read(RECORDS)).hasSize(RECORDS - (int) damage.position);
        }
    }

    @Test
    void aFlippedLengthByteInASealedSegmentIsFoundAndTheNextRecordsStayReadable() throws IOException {
        Damage damage = damageMiddleRecordOfSegment(1, FrameField.LENGTH);
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThatThrownBy(() -> log.read(damage.position, 1))
                    .isInstanceOfSatisfying(CorruptRecordException.class, e -> assertThat(e.position())
                            .isEqualTo(damage.position));
            JournalTestSupport.assertDeterministic(log, damage.position + 1, RECORDS, MAX_PAYLOAD);
            assertThat(log.corruptions()).extracting(Corruption::firstPosition).containsExactly(damage.position);
        }
    }

    @Test
    void damageInTheMiddleOfTheTailSegmentIsReportedAtOpenAndNotTruncated() throws IOException {
        Damage damage = damageMiddleRecordOfSegment(-1, FrameField.CRC);
        // as after a crash: no sidecar for the tail, so open scans the whole tail segment
        Files.delete(Segment.indexPath(damage.segment));
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.corruptions()).extracting(Corruption::firstPosition).containsExactly(damage.position);
            assertThat(log.lastPosition()).isEqualTo(RECORDS);
            assertThatThrownBy(() -> log.read(damage.position, 1)).isInstanceOf(CorruptRecordException.class);
            JournalTestSupport.assertDeterministic(log, damage.position + 1, RECORDS, MAX_PAYLOAD);
            assertThat(await(log.append(new byte[] {1}))).isEqualTo(RECORDS + 1);
            assertThat(log.corruptions()).hasSize(1);
        }
    }

    @Test
    void damageBeforeTheLastIndexPointOfACleanlyClosedTailIsFoundByTheRead() throws IOException {
        Damage damage = damageMiddleRecordOfSegment(-1, FrameField.PAYLOAD);
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.lastPosition()).isEqualTo(RECORDS);
            assertThatThrownBy(() -> log.read(damage.position, 1)).isInstanceOf(CorruptRecordException.class);
            assertThat(log.corruptions()).extracting(Corruption::firstPosition).containsExactly(damage.position);
            JournalTestSupport.assertDeterministic(log, damage.position + 1, RECORDS, MAX_PAYLOAD);
        }
    }

    /** Found by {@link SegmentRecoveryFuzzTest} (crash-97d068ec...): recovery skipped intact records 4..6. */
    @Test
    void aDamagedLengthPointingAtALaterFrameLosesOnlyTheDamagedRecord() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            JournalTestSupport.appendDeterministic(log, 8, 100);
        }
        Path segment = JournalTestSupport.segmentFiles(dir).get(0);
        Files.delete(Segment.indexPath(segment)); // as after a crash: open scans the tail
        List<Long> frames = JournalTestSupport.frameOffsets(segment);
        long damaged = frames.get(2); // position 3
        byte[] bytes = Files.readAllBytes(segment);
        // the length of record 3 now ends where record 7 starts: frame 7 is intact, but 4..6 are too
        java.nio.ByteBuffer.wrap(bytes)
                .putInt((int) damaged, (int) (frames.get(6) - damaged - RecordCodec.HEADER_BYTES));
        Files.write(segment, bytes);

        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.corruptions())
                    .containsExactly(
                            new Corruption(segment.getFileName().toString(), 3, 3, damaged, FrameScanner.DAMAGED));
            JournalTestSupport.assertDeterministic(log, 1, 2, 100);
            assertThatThrownBy(() -> log.read(3, 1))
                    .isInstanceOfSatisfying(CorruptRecordException.class, e -> assertThat(e.resumePosition())
                            .isEqualTo(4));
            JournalTestSupport.assertDeterministic(log, 4, 8, 100);
            assertThat(log.corruptions()).hasSize(1);
        }
    }

    /** Found by {@link SegmentRecoveryFuzzTest} (crash-f92313d5...): a reader skipped record 8 of the next segment. */
    @Test
    void damageJustBeforeTheRecordsASegmentSharesWithTheNextOneHidesNothingOfTheNextOne() throws IOException {
        // segment 1 holds 1..10, 7 and 8 damaged; segment 8 starts at 8, so 8..10 of segment 1 are ignored
        List<Map.Entry<Long, byte[]>> records = new ArrayList<>();
        for (long p = 1; p <= 10; p++) {
            records.add(Map.entry(p, ("record " + p).getBytes(StandardCharsets.UTF_8)));
        }
        Path overlapping = dir.resolve(SegmentHeader.fileName(1));
        Files.write(overlapping, JournalTestSupport.encodeSegment(1, records));
        List<Long> frames = JournalTestSupport.frameOffsets(overlapping);
        JournalTestSupport.flipByte(overlapping, frames.get(6) + RecordCodec.HEADER_BYTES);
        JournalTestSupport.flipByte(overlapping, frames.get(7) + RecordCodec.HEADER_BYTES);
        List<Map.Entry<Long, byte[]>> next = new ArrayList<>();
        for (long p = 8; p <= 11; p++) {
            next.add(Map.entry(p, ("next " + p).getBytes(StandardCharsets.UTF_8)));
        }
        Files.write(dir.resolve(SegmentHeader.fileName(8)), JournalTestSupport.encodeSegment(8, next));

        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.corruptions())
                    .containsExactly(new Corruption(
                            overlapping.getFileName().toString(), 7, 7, frames.get(6), FrameScanner.DAMAGED));
            LogReader reader = log.reader(1);
            assertThat(reader.read(100)).extracting(LogRecord::position).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            assertThatThrownBy(reader::next)
                    .isInstanceOfSatisfying(CorruptRecordException.class, e -> assertThat(e.resumePosition())
                            .isEqualTo(8));
            List<LogRecord> rest = reader.read(100);
            assertThat(rest).extracting(LogRecord::position).containsExactly(8L, 9L, 10L, 11L);
            assertThat(rest.get(0).payload()).isEqualTo("next 8".getBytes(StandardCharsets.UTF_8));
            assertThat(log.corruptions()).hasSize(1);
        }
    }

    private enum FrameField {
        LENGTH(2),
        CRC(5),
        PAYLOAD(RecordCodec.HEADER_BYTES + 1);

        final int delta;

        FrameField(int delta) {
            this.delta = delta;
        }
    }

    private record Damage(Path segment, long position, long offset) {}

    /** Writes the log and flips one byte of a middle record of segment {@code index} (-1: the last segment). */
    private Damage damageMiddleRecordOfSegment(int index, FrameField field) throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            JournalTestSupport.appendDeterministic(log, RECORDS, MAX_PAYLOAD);
        }
        List<Path> segments = JournalTestSupport.segmentFiles(dir);
        assertThat(segments).hasSizeGreaterThan(3);
        Path segment = segments.get(index < 0 ? segments.size() - 1 : index);
        List<Long> frames = JournalTestSupport.frameOffsets(segment);
        assertThat(frames).hasSizeGreaterThan(3);
        for (int i = frames.size() / 2; i < frames.size() - 1; i++) {
            long offset = frames.get(i);
            long position = JournalTestSupport.framePosition(segment, offset);
            if (Payloads.forPosition(position, MAX_PAYLOAD).length > 2) {
                JournalTestSupport.flipByte(segment, offset + field.delta);
                return new Damage(segment, position, offset);
            }
        }
        throw new AssertionError("no suitable record in " + segment);
    }
}
