package io.courier.journal;

import static io.courier.journal.JournalTestSupport.SMALL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrimTest {
    private static final int MAX_PAYLOAD = 200;

    @TempDir
    Path dir;

    @Test
    void trimBeforeDeletesOnlyWholeSegmentsBelowThePosition() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            JournalTestSupport.appendDeterministic(log, 300, MAX_PAYLOAD);
            List<Path> before = JournalTestSupport.segmentFiles(dir);
            long fourthFirst = firstPositionOf(before.get(3));
            long fifthFirst = firstPositionOf(before.get(4));
            long inFourth = (fourthFirst + fifthFirst) / 2;
            assertThat(inFourth).isBetween(fourthFirst + 1, fifthFirst - 1);

            assertThat(log.trimBefore(inFourth)).isEqualTo(3);

            assertThat(log.firstPosition()).isEqualTo(fourthFirst);
            assertThat(JournalTestSupport.segmentFiles(dir)).isEqualTo(before.subList(3, before.size()));
            assertThat(Files.exists(Segment.indexPath(before.get(0)))).isFalse();
            JournalTestSupport.assertDeterministic(log, fourthFirst, 300, MAX_PAYLOAD);
            assertThatThrownBy(() -> log.read(fourthFirst - 1, 10))
                    .isInstanceOfSatisfying(PositionTrimmedException.class, e -> {
                        assertThat(e.firstAvailablePosition()).isEqualTo(fourthFirst);
                        assertThat(e.requestedPosition()).isEqualTo(fourthFirst - 1);
                    })
                    .hasMessageContaining("first available position is " + fourthFirst);
        }
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            assertThat(log.firstPosition())
                    .isEqualTo(
                            firstPositionOf(JournalTestSupport.segmentFiles(dir).get(0)));
            assertThat(log.lastPosition()).isEqualTo(300);
        }
    }

    @Test
    void trimBeforeNeverDeletesTheActiveSegment() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            JournalTestSupport.appendDeterministic(log, 200, MAX_PAYLOAD);
            long activeFirst =
                    firstPositionOf(JournalTestSupport.segmentFiles(dir).getLast());
            log.trimBefore(Long.MAX_VALUE);
            assertThat(log.segmentCount()).isEqualTo(1);
            assertThat(log.firstPosition()).isEqualTo(activeFirst);
            JournalTestSupport.assertDeterministic(log, activeFirst, 200, MAX_PAYLOAD);
            assertThat(log.trimBefore(Long.MAX_VALUE)).isZero();
        }
    }

    @Test
    void aReaderInsideATrimmedSegmentGetsTheFirstAvailablePositionAndMovesThere() throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, SMALL)) {
            JournalTestSupport.appendDeterministic(log, 200, MAX_PAYLOAD);
            LogReader reader = log.reader(1);
            assertThat(reader.read(3)).hasSize(3);
            log.trimBefore(150);
            long first = log.firstPosition();
            assertThatThrownBy(reader::next)
                    .isInstanceOfSatisfying(PositionTrimmedException.class, e -> assertThat(e.firstAvailablePosition())
                            .isEqualTo(first));
            assertThat(reader.next().position()).isEqualTo(first);
        }
    }

    private static long firstPositionOf(Path segment) {
        return Long.parseLong(segment.getFileName().toString().substring(0, 20));
    }
}
