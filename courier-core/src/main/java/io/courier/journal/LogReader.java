package io.courier.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads records in position order from a cursor, across segments, up to {@link SegmentLog#lastPosition()} (never
 * beyond). Created by {@link SegmentLog#reader(long)}. A reader is confined to one thread; any number of readers may
 * run next to the writer. Reading from a position uses the segment's sparse index, so it scans at most about
 * {@link JournalConfig#indexIntervalBytes()} of the segment.
 *
 * <p>Errors move the cursor past the gap they report, so a loop can log the gap and go on:
 *
 * <ul>
 *   <li>{@link CorruptRecordException}: the records {@code [e.position(), e.resumePosition())} are damaged; the
 *       cursor moves to {@code resumePosition()}.
 *   <li>{@link PositionTrimmedException}: the cursor's segment was deleted by {@link SegmentLog#trimBefore(long)};
 *       the cursor moves to the first available position.
 *   <li>{@link IllegalStateException}: the log was closed. {@link UncheckedIOException}: a read failed (the cursor
 *       stays; calling again retries).
 * </ul>
 */
public final class LogReader {
    private static final int WINDOW_BYTES = 64 << 10;

    private final SegmentLog log;
    private final RecordCodec codec;
    private long next;
    private Segment segment;
    private FileWindow window;
    private long offset;
    private long offsetPosition;

    LogReader(SegmentLog log, long fromPosition) {
        this.log = log;
        this.codec = new RecordCodec(log.config().maxRecordBytes());
        this.next = fromPosition;
    }

    /** The position the next {@link #next()} returns. */
    public long nextPosition() {
        return next;
    }

    /**
     * The record at {@link #nextPosition()}, advancing the cursor, or {@code null} (cursor unchanged) if that position
     * is beyond {@link SegmentLog#lastPosition()}. Never blocks on the writer.
     */
    public LogRecord next() {
        if (next > log.lastPosition()) {
            return null;
        }
        long first = log.firstPosition();
        if (next < first) {
            long requested = next;
            seek(first);
            throw new PositionTrimmedException(requested, first);
        }
        try {
            return readNext();
        } catch (IOException e) {
            segment = null;
            if (log.isClosed()) {
                throw new IllegalStateException("journal is closed: " + log.directory(), e);
            }
            long firstNow = log.firstPosition();
            if (next < firstNow) {
                long requested = next;
                next = firstNow;
                throw new PositionTrimmedException(requested, firstNow);
            }
            throw new UncheckedIOException("could not read position " + next + " of journal " + log.directory(), e);
        }
    }

    /**
     * Up to {@code max} records from the cursor on (fewer when the end of the log is reached). If a record after the
     * first one is damaged or trimmed, the records before it are returned and the cursor stays on it, so the next
     * call throws.
     *
     * @throws CorruptRecordException if the first record is damaged
     * @throws PositionTrimmedException if the first record was trimmed
     */
    public List<LogRecord> read(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max: " + max + " (expected: >= 0)");
        }
        List<LogRecord> records = new ArrayList<>(Math.min(max, 1024));
        while (records.size() < max) {
            long before = next;
            LogRecord record;
            try {
                record = next();
            } catch (CorruptRecordException | PositionTrimmedException e) {
                if (records.isEmpty()) {
                    throw e;
                }
                seek(before);
                break;
            }
            if (record == null) {
                break;
            }
            records.add(record);
        }
        return records;
    }

    private void seek(long position) {
        next = position;
        segment = null;
    }

    private LogRecord readNext() throws IOException {
        for (; ; ) {
            if (segment == null || offsetPosition > next || offsetPosition > segment.lastPosition) {
                locate();
            }
            long end = segment.committedEnd;
            RecordCodec.Frame frame = codec.decode(window, offset, end);
            if (frame != null && frame.position() == offsetPosition) {
                offset = frame.end();
                offsetPosition++;
                if (frame.position() == next) {
                    next++;
                    return new LogRecord(frame.position(), frame.payloadBytes());
                }
                continue;
            }
            SegmentIndex.Entry indexed = segment.index.after(offset);
            long limit = indexed == null ? end : indexed.offset();
            RecordCodec.Frame intact = FrameScanner.resync(window, codec, offset, offsetPosition, limit, end);
            long resumePosition;
            long resumeOffset;
            if (intact != null) {
                resumePosition = intact.position();
                resumeOffset = intact.offset();
            } else if (indexed != null) {
                resumePosition = indexed.position();
                resumeOffset = indexed.offset();
            } else {
                resumePosition = segment.lastPosition + 1;
                resumeOffset = end;
            }
            if (resumePosition > segment.lastPosition + 1) {
                // frames past the segment's last position are ignored: the next segment starts there (see LogRecovery)
                resumePosition = segment.lastPosition + 1;
                resumeOffset = end;
            }
            if (resumePosition > next) {
                Segment damaged = segment;
                long requested = next;
                log.reportCorruption(new Corruption(
                        damaged.name(), offsetPosition, resumePosition - 1, offset, FrameScanner.DAMAGED));
                int length = (int) Math.min(Math.max(0, resumeOffset - offset), TornTail.HEAD_BYTES);
                byte[] bytes = new byte[length];
                window.bytes(offset, length, end).get(bytes);
                offset = resumeOffset;
                offsetPosition = resumePosition;
                next = resumePosition;
                throw new CorruptRecordException(
                        damaged.name(), requested, resumePosition, FrameScanner.DAMAGED, bytes);
            }
            offset = resumeOffset;
            offsetPosition = resumePosition;
        }
    }

    /** Points the cursor's segment, window and offset at {@link #next}, via the segment's sparse index. */
    private void locate() {
        List<Segment> segments = log.segments();
        long first = segments.get(0).firstPosition;
        if (next < first) {
            long requested = next;
            seek(first);
            throw new PositionTrimmedException(requested, first);
        }
        int lo = 0;
        int hi = segments.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segments.get(mid).firstPosition <= next) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Segment found = segments.get(lo);
        if (next > found.lastPosition) {
            // only a sealed segment can end before a position the log has published: a range lost between segments
            long resume = lo + 1 < segments.size() ? segments.get(lo + 1).firstPosition : found.lastPosition + 1;
            long requested = next;
            seek(resume);
            throw new CorruptRecordException(found.name(), requested, resume, "positions missing between segments");
        }
        if (found != segment) {
            segment = found;
            window = new FileWindow(found.channel, WINDOW_BYTES);
        }
        SegmentIndex.Entry entry = found.index.floor(next);
        if (entry == null) {
            offset = SegmentHeader.BYTES;
            offsetPosition = found.firstPosition;
        } else {
            offset = entry.offset();
            offsetPosition = entry.position();
        }
    }
}
