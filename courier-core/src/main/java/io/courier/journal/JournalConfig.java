package io.courier.journal;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of a {@link SegmentLog}. Immutable; start from {@link #defaults()} and use the {@code with...} methods.
 *
 * <p>Each field is checked here; the one cross-field rule ({@code maxRecordBytes} must fit in a segment) is checked by
 * {@link SegmentLog#open(java.nio.file.Path, JournalConfig)}, so the {@code with...} calls can come in any order.
 *
 * @param segmentBytes the largest a segment file may grow, header included (default 64 MiB; 4 KiB to 1 GiB). A record
 *     that does not fit in the rest of the active segment starts a new segment.
 * @param maxRecordBytes the largest payload {@link SegmentLog#append(byte[])} accepts (default 16 MiB); must be at
 *     most {@code segmentBytes} minus the segment header and one frame header
 * @param maxPendingAppends how many appends may be accepted and not yet completed (default 65,536); one more fails
 *     fast with {@link JournalFullException}
 * @param maxBatch the most records one write + fsync covers (default 1000)
 * @param maxBatchDelay how long the writer lingers for more records after the first record of a batch was appended
 *     (default {@link Duration#ZERO}: it writes whatever is pending without waiting, and the records that arrive
 *     during a write and fsync form the next batch, so one fsync covers more records as the load grows). A batch is
 *     cut at {@code maxBatch} records or at this delay, whichever comes first: a delay adds up to itself to every
 *     append's latency, and caps a publisher with N appends in flight at N per delay (with 5 ms and 32 in flight,
 *     about 5,600 appends/s where no delay allows 60,000 to 100,000 on the same disk: README, "Durable queues").
 * @param fsyncPolicy when futures complete relative to fsync (default {@link FsyncPolicy#ALWAYS})
 * @param fsyncInterval with {@link FsyncPolicy#INTERVAL}: the longest time written records stay unsynced (default
 *     1 s); ignored with {@code ALWAYS}
 * @param indexIntervalBytes the sparse index gets one entry per this many bytes of records (default 4 KiB; 64 B to
 *     16 MiB): a read from an arbitrary position scans at most about this much of its segment
 */
public record JournalConfig(
        int segmentBytes,
        int maxRecordBytes,
        int maxPendingAppends,
        int maxBatch,
        Duration maxBatchDelay,
        FsyncPolicy fsyncPolicy,
        Duration fsyncInterval,
        int indexIntervalBytes) {

    public static final int DEFAULT_SEGMENT_BYTES = 64 << 20;
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 << 20;
    public static final int DEFAULT_MAX_PENDING_APPENDS = 65_536;
    public static final int DEFAULT_MAX_BATCH = 1000;
    public static final Duration DEFAULT_MAX_BATCH_DELAY = Duration.ZERO;
    public static final Duration DEFAULT_FSYNC_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;

    public JournalConfig {
        check("segmentBytes", segmentBytes, 4096, 1 << 30);
        check("maxRecordBytes", maxRecordBytes, 0, Integer.MAX_VALUE);
        check("maxPendingAppends", maxPendingAppends, 1, Integer.MAX_VALUE);
        check("maxBatch", maxBatch, 1, Integer.MAX_VALUE);
        check("indexIntervalBytes", indexIntervalBytes, 64, 16 << 20);
        Objects.requireNonNull(fsyncPolicy, "fsyncPolicy");
        if (maxBatchDelay == null || maxBatchDelay.isNegative()) {
            throw new IllegalArgumentException("maxBatchDelay: " + maxBatchDelay + " (expected: >= 0)");
        }
        if (fsyncInterval == null || fsyncInterval.isNegative() || fsyncInterval.isZero()) {
            throw new IllegalArgumentException("fsyncInterval: " + fsyncInterval + " (expected: > 0)");
        }
    }

    /** The defaults listed on the record components. */
    public static JournalConfig defaults() {
        return new JournalConfig(
                DEFAULT_SEGMENT_BYTES,
                DEFAULT_MAX_RECORD_BYTES,
                DEFAULT_MAX_PENDING_APPENDS,
                DEFAULT_MAX_BATCH,
                DEFAULT_MAX_BATCH_DELAY,
                FsyncPolicy.ALWAYS,
                DEFAULT_FSYNC_INTERVAL,
                DEFAULT_INDEX_INTERVAL_BYTES);
    }

    public JournalConfig withSegmentBytes(int value) {
        return new JournalConfig(
                value,
                maxRecordBytes,
                maxPendingAppends,
                maxBatch,
                maxBatchDelay,
                fsyncPolicy,
                fsyncInterval,
                indexIntervalBytes);
    }

    public JournalConfig withMaxRecordBytes(int value) {
        return new JournalConfig(
                segmentBytes,
                value,
                maxPendingAppends,
                maxBatch,
                maxBatchDelay,
                fsyncPolicy,
                fsyncInterval,
                indexIntervalBytes);
    }

    public JournalConfig withMaxPendingAppends(int value) {
        return new JournalConfig(
                segmentBytes,
                maxRecordBytes,
                value,
                maxBatch,
                maxBatchDelay,
                fsyncPolicy,
                fsyncInterval,
                indexIntervalBytes);
    }

    public JournalConfig withMaxBatch(int value) {
        return new JournalConfig(
                segmentBytes,
                maxRecordBytes,
                maxPendingAppends,
                value,
                maxBatchDelay,
                fsyncPolicy,
                fsyncInterval,
                indexIntervalBytes);
    }

    public JournalConfig withMaxBatchDelay(Duration value) {
        return new JournalConfig(
                segmentBytes,
                maxRecordBytes,
                maxPendingAppends,
                maxBatch,
                value,
                fsyncPolicy,
                fsyncInterval,
                indexIntervalBytes);
    }

    public JournalConfig withFsyncPolicy(FsyncPolicy value) {
        return new JournalConfig(
                segmentBytes,
                maxRecordBytes,
                maxPendingAppends,
                maxBatch,
                maxBatchDelay,
                value,
                fsyncInterval,
                indexIntervalBytes);
    }

    public JournalConfig withFsyncInterval(Duration value) {
        return new JournalConfig(
                segmentBytes,
                maxRecordBytes,
                maxPendingAppends,
                maxBatch,
                maxBatchDelay,
                fsyncPolicy,
                value,
                indexIntervalBytes);
    }

    public JournalConfig withIndexIntervalBytes(int value) {
        return new JournalConfig(
                segmentBytes,
                maxRecordBytes,
                maxPendingAppends,
                maxBatch,
                maxBatchDelay,
                fsyncPolicy,
                fsyncInterval,
                value);
    }

    /** Checks the cross-field rule; called by {@link SegmentLog#open}. */
    void validate() {
        long room = (long) segmentBytes - SegmentHeader.BYTES - RecordCodec.HEADER_BYTES;
        if (maxRecordBytes > room) {
            throw new IllegalArgumentException("maxRecordBytes: " + maxRecordBytes + " (expected: <= " + room
                    + ", segmentBytes " + segmentBytes + " minus the segment and frame headers)");
        }
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    name + ": " + value + " (expected: " + min + " <= " + name + " <= " + max + ")");
        }
    }
}
