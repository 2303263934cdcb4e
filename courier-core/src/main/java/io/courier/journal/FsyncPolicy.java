package io.courier.journal;

/**
 * When an append's future completes, relative to {@code fsync}.
 *
 * <p>Both policies fsync a segment before it is sealed (rolled over), so only the active (last) segment can ever hold
 * bytes that were acknowledged but not yet fsynced.
 */
public enum FsyncPolicy {
    /**
     * The future completes only after the {@code FileChannel.force(false)} that covers the record returned: an
     * acknowledged record survives a process crash and a power loss. Records are batched (group commit) so that one
     * fsync covers up to {@link JournalConfig#maxBatch()} records.
     */
    ALWAYS,
    /**
     * The future completes once the record was written to the operating system (it survives a process crash, not a
     * power loss); the writer fsyncs the active segment at most {@link JournalConfig#fsyncInterval()} after the first
     * unsynced write. On power loss, at most about one interval of acknowledged records can be lost. A failing
     * periodic fsync is logged and retried; the records it covered stay acknowledged.
     */
    INTERVAL
}
