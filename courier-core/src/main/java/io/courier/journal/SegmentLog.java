package io.courier.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of opaque records with dense positions, stored as segment files in one directory (format: see
 * the package documentation). This is the storage engine under Courier's durable delivery.
 *
 * <p><b>Positions.</b> The first record ever appended gets position 1, each next one the next number; positions have
 * no holes, also across restarts (a failed append does not use up a position: the next successful one takes it).
 * They repeat only after a torn tail was cut at open: the next appends take the positions of the cut records, which
 * {@link #tornTails()} reports.
 *
 * <p><b>Failed writes.</b> {@link #writeFailures()} counts the batches that could not be written; an append made with
 * {@link #append(byte[], long)} is refused when a failure happened after the count it passes, so a caller that
 * numbers its records itself never has one stored behind a refused one.
 *
 * <p><b>Durability.</b> An append's future completes with the record's position once the record is durable per
 * {@link JournalConfig#fsyncPolicy()}; {@link #lastPosition()} is the last such position and readers never see
 * anything beyond it. After a crash, {@link #open} keeps every record whose future completed (under
 * {@link FsyncPolicy#ALWAYS} also across a power loss). A record whose future failed, or never completed because
 * the process died, is normally gone after a restart; it can still appear if the crash happens before its bytes are
 * rolled back, so callers must treat a failed append as "maybe written" (at-least-once), never as "surely absent".
 *
 * <p><b>Threads.</b> {@link #append} may be called from any thread; the futures are completed by the log's one
 * writer thread, never by the appending thread and never while a lock of the log is held. Dependent actions attached
 * with non-async methods run on the writer (delaying every other append), or, as {@link CompletableFuture} does, on a
 * thread that attaches them after completion or helps by calling {@code get}/{@code join}: hop to your own executor
 * (the {@code ...Async} methods). Readers and {@link #trimBefore} may run on any thread concurrently with the
 * writer.
 *
 * <p><b>Corruption.</b> Damaged records are never served: a read that reaches one throws
 * {@link CorruptRecordException}, and {@link #corruptions()} lists all damage seen so far. A torn tail (damage with
 * nothing intact after it, as a crash mid-write leaves) is truncated at open.
 */
public final class SegmentLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SegmentLog.class);

    private final Path dir;
    private final JournalConfig config;
    private final Object segmentsLock = new Object();
    private final CopyOnWriteArrayList<Corruption> corruptions;
    private final List<TornTail> tornTails;
    private final GroupCommitWriter writer;
    private final JournalStats stats = new JournalStats();
    private volatile List<Segment> segments;
    private volatile long lastPosition;
    private volatile boolean closed;

    private SegmentLog(Path dir, JournalConfig config, ChannelFactory factory, LogRecovery.Result recovered) {
        this.dir = dir;
        this.config = config;
        this.segments = List.copyOf(recovered.segments());
        this.corruptions = new CopyOnWriteArrayList<>(recovered.corruptions());
        this.tornTails = List.copyOf(recovered.tornTails());
        this.lastPosition = segments.get(segments.size() - 1).lastPosition;
        this.writer = new GroupCommitWriter(this, dir, config, factory);
    }

    /** {@link #open(Path, JournalConfig)} with {@link JournalConfig#defaults()}. */
    public static SegmentLog open(Path dir) throws IOException {
        return open(dir, JournalConfig.defaults());
    }

    /**
     * Opens (creating it if needed) the log in {@code dir}, recovering after a crash: the tail segment is checked
     * record by record from its last index point and a torn tail is truncated; damage with intact records after it
     * is kept and reported by {@link #corruptions()}. One process at a time may open a directory (not enforced).
     *
     * @throws IllegalArgumentException if {@code config.maxRecordBytes()} does not fit in a segment
     * @throws IOException if the directory or a segment cannot be read, or the tail segment cannot be repaired
     */
    public static SegmentLog open(Path dir, JournalConfig config) throws IOException {
        return open(dir, config, ChannelFactory.DEFAULT);
    }

    static SegmentLog open(Path dir, JournalConfig config, ChannelFactory factory) throws IOException {
        Objects.requireNonNull(dir, "dir");
        config.validate();
        long started = System.nanoTime();
        LogRecovery.Result recovered = LogRecovery.recover(dir, config, factory);
        SegmentLog segmentLog = new SegmentLog(dir, config, factory, recovered);
        segmentLog.writer.start();
        log.debug(
                "Opened journal {}: {} segment(s), positions {}..{}, {} corruption(s), {} ms",
                dir,
                segmentLog.segments.size(),
                segmentLog.firstPosition(),
                segmentLog.lastPosition(),
                recovered.corruptions().size(),
                (System.nanoTime() - started) / 1_000_000);
        return segmentLog;
    }

    /**
     * Queues a record. The log keeps a reference to {@code payload} until the future completes: do not modify it.
     *
     * @return a future that completes, on the writer thread, with the record's position once it is durable per the
     *     fsync policy, or exceptionally with {@link JournalWriteException} if its batch could not be written
     * @throws IllegalArgumentException if the payload is longer than {@link JournalConfig#maxRecordBytes()}
     * @throws JournalFullException if {@link JournalConfig#maxPendingAppends()} appends are accepted and not yet
     *     completed (nothing was queued)
     * @throws IllegalStateException if the log is closed
     */
    public CompletableFuture<Long> append(byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        if (payload.length > config.maxRecordBytes()) {
            throw new IllegalArgumentException(
                    "record of " + payload.length + " bytes exceeds maxRecordBytes " + config.maxRecordBytes());
        }
        return writer.submit(payload, Long.MAX_VALUE);
    }

    /**
     * {@link #append(byte[])}, refused unless no write of the log has failed since {@code failuresSeen} was read from
     * {@link #writeFailures()}: if one has, the future fails with {@link JournalWriteException} and nothing is written.
     * An append queued behind a failed batch is thus never stored after the records that failed, so a caller that
     * numbers its records in append order (and passes the count it read before the first of a run of appends) gets
     * dense numbers: after a failure every later record of the run fails too, and the next run starts where the
     * stored ones end.
     */
    public CompletableFuture<Long> append(byte[] payload, long failuresSeen) {
        Objects.requireNonNull(payload, "payload");
        if (payload.length > config.maxRecordBytes()) {
            throw new IllegalArgumentException(
                    "record of " + payload.length + " bytes exceeds maxRecordBytes " + config.maxRecordBytes());
        }
        return writer.submit(payload, failuresSeen);
    }

    /**
     * How many batches failed to be written since the log was opened. Counted before the futures of the failed batch
     * complete, so whoever handles one of those failures reads a count that includes it.
     */
    public long writeFailures() {
        return writer.writeFailures();
    }

    /**
     * A reader positioned at {@code fromPosition}; see {@link LogReader}. A position beyond {@link #lastPosition()}
     * is allowed: the reader returns records once they exist.
     *
     * @throws PositionTrimmedException if {@code fromPosition} is below {@link #firstPosition()}
     * @throws IllegalArgumentException if {@code fromPosition < 1}
     */
    public LogReader reader(long fromPosition) {
        if (fromPosition < 1) {
            throw new IllegalArgumentException("fromPosition: " + fromPosition + " (expected: >= 1)");
        }
        checkOpen();
        long first = firstPosition();
        if (fromPosition < first) {
            throw new PositionTrimmedException(fromPosition, first);
        }
        return new LogReader(this, fromPosition);
    }

    /**
     * Up to {@code max} records from {@code fromPosition} on, in position order; see {@link LogReader#read(int)}.
     *
     * @throws CorruptRecordException if the record at {@code fromPosition} is damaged
     * @throws PositionTrimmedException if {@code fromPosition} is below {@link #firstPosition()}
     */
    public List<LogRecord> read(long fromPosition, int max) {
        return reader(fromPosition).read(max);
    }

    /** The first retained position (1 until {@link #trimBefore} deleted something). */
    public long firstPosition() {
        return segments.get(0).firstPosition;
    }

    /** The last durable position (0 while the log is empty). */
    public long lastPosition() {
        return lastPosition;
    }

    /** Bytes of durable data in all segments, headers included. */
    public long sizeBytes() {
        long total = 0;
        for (Segment segment : segments) {
            total += segment.committedEnd;
        }
        return total;
    }

    /** How many segment files the log has. */
    public int segmentCount() {
        return segments.size();
    }

    /** The damage found so far, at open or by reads, in the order found (each range once). */
    public List<Corruption> corruptions() {
        return List.copyOf(corruptions);
    }

    /**
     * The torn tail this open cut off the last segment (at most one; empty after a clean close or a crash between
     * writes). The cut bytes are gone once the log is open: a later open does not report them again, and the next
     * appends reuse the positions they held. A user that hands positions out as identities (or that must announce
     * what it lost) acts on this before appending.
     */
    public List<TornTail> tornTails() {
        return tornTails;
    }

    /**
     * The first position {@link #trimBefore(long) trimBefore(position)} would keep: {@link #firstPosition()} if it
     * would delete nothing, else the first position of the segment that would become the first.
     */
    public long trimPoint(long position) {
        List<Segment> current = segments;
        long point = current.get(0).firstPosition;
        for (int i = 1; i < current.size() && current.get(i).firstPosition <= position; i++) {
            point = current.get(i).firstPosition;
        }
        return point;
    }

    /**
     * Deletes the segments whose every record is below {@code position}: whole segments only, never the active (last)
     * one, so records below {@code position} may remain. Files are deleted and then the directory is fsynced. Readers
     * positioned in a deleted segment get {@link PositionTrimmedException}.
     *
     * @return the number of segments deleted
     * @throws UncheckedIOException if a file cannot be deleted (the segments are already out of the log)
     */
    public int trimBefore(long position) {
        checkOpen();
        List<Segment> removed;
        synchronized (segmentsLock) {
            List<Segment> current = segments;
            int keepFrom = 0;
            while (keepFrom < current.size() - 1 && current.get(keepFrom + 1).firstPosition <= position) {
                keepFrom++;
            }
            if (keepFrom == 0) {
                return 0;
            }
            removed = List.copyOf(current.subList(0, keepFrom));
            segments = List.copyOf(current.subList(keepFrom, current.size()));
        }
        try {
            for (Segment segment : removed) {
                Segment.closeQuietly(segment.channel);
                Files.deleteIfExists(segment.path);
                Files.deleteIfExists(segment.indexPath());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete a trimmed segment of " + dir, e);
        } finally {
            DirectorySync.sync(dir);
        }
        log.debug("Journal {}: trimmed {} segment(s); first position is now {}", dir, removed.size(), firstPosition());
        return removed.size();
    }

    /** Counters for metrics (fsync count and time). */
    public JournalStats stats() {
        return stats;
    }

    public Path directory() {
        return dir;
    }

    public JournalConfig config() {
        return config;
    }

    /**
     * Stops accepting appends ({@link IllegalStateException} afterwards), writes, fsyncs and completes everything
     * already accepted (or fails it with {@link JournalWriteException}), writes the active segment's sidecar index
     * and closes the files. Blocks until done; idempotent.
     */
    @Override
    public void close() {
        writer.close();
        synchronized (segmentsLock) {
            if (closed) {
                return;
            }
            closed = true;
            for (Segment segment : segments) {
                Segment.closeQuietly(segment.channel);
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** The writer thread's side. For tests of its batches. */
    GroupCommitWriter writer() {
        return writer;
    }

    // ---- for the writer and readers ----

    List<Segment> segments() {
        return segments;
    }

    Segment activeSegment() {
        List<Segment> current = segments;
        return current.get(current.size() - 1);
    }

    void addSegment(Segment segment) {
        synchronized (segmentsLock) {
            List<Segment> next = new ArrayList<>(segments);
            next.add(segment);
            segments = List.copyOf(next);
        }
    }

    void publish(long position) {
        lastPosition = position;
    }

    void reportCorruption(Corruption corruption) {
        if (corruptions.addIfAbsent(corruption)) {
            log.error("Journal {}: {}", dir, corruption);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("journal is closed: " + dir);
        }
    }
}
