package io.courier.journal;

import io.courier.internal.HeldWakeUps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log's one writer thread: takes queued appends in batches (group commit), writes them to the active segment,
 * fsyncs per {@link FsyncPolicy}, publishes the new last position and completes the futures, always on this thread
 * and holding no lock.
 *
 * <p>Batch rules: a batch starts with the oldest queued append and is cut at {@link JournalConfig#maxBatch()} records
 * or {@link JournalConfig#maxBatchDelay()} after that append was made, whichever comes first; a batch that starts
 * with a lone record is cut only after the writer yielded its core once ({@link #loneRecordPause}). A record that
 * does not fit in the active segment seals it: the records before it are written, fsynced and completed, the next
 * segment is created (header fsynced, directory fsynced), then the batch goes on there.
 *
 * <p>Failures: if a write, fsync or segment creation throws, the active segment is truncated back to its committed
 * end and every not yet completed future of the batch fails with {@link JournalWriteException}. If that truncation
 * fails too, the next batch retries it first and fails without writing anything if it still cannot (so a later crash
 * cannot resurrect bytes of a failed batch behind newer records). Any other throwable is logged and fails the batch
 * the same way; the thread itself only ends on {@link #close()}.
 */
final class GroupCommitWriter {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
    private static final int BUFFER_BYTES = 1 << 20;

    private record Pending(byte[] payload, CompletableFuture<Long> future, long appendedNanos, long failuresSeen) {}

    private static final Pending CLOSE = new Pending(new byte[0], null, 0, Long.MAX_VALUE);

    private final SegmentLog owner;
    private final Path dir;
    private final JournalConfig config;
    private final ChannelFactory factory;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Semaphore permits;
    private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
    private final Thread thread;
    private boolean closed; // guarded by closeLock
    /** Batches that failed to be written (written by the writer thread before it fails their futures). */
    private volatile long writeFailures;
    /** The cause of the last failed write (writer thread only), named by the refusals it causes. */
    private Throwable lastFailure;

    // writer thread only
    private final RecordCodec codec;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final List<Pending> batch = new ArrayList<>();
    private int batchDone;
    private boolean needsRollback;
    private boolean dirty;
    private long dirtySinceNanos;

    /**
     * What the writer does before it cuts a batch that starts with a lone record, nothing else queued: it yields its
     * core once. The producer whose append woke it, preempted on the same core (a durable publisher's handler with
     * the rest of a burst to append, a server pinned to one core), then queues the rest into this batch instead of
     * the next, and the lanes the batch wakes send it to each subscriber in one write instead of a lone frame and
     * then the rest; on an idle core it returns at once. For tests: what runs instead.
     */
    volatile Runnable loneRecordPause = Thread::yield;

    /** fsyncs the segment, timing it for {@link JournalStats}. */
    private void force(Segment segment) throws java.io.IOException {
        long started = System.nanoTime();
        segment.channel.force(false);
        owner.stats().fsync(System.nanoTime() - started);
    }

    GroupCommitWriter(SegmentLog owner, Path dir, JournalConfig config, ChannelFactory factory) {
        this.owner = owner;
        this.dir = dir;
        this.config = config;
        this.factory = factory;
        this.permits = new Semaphore(config.maxPendingAppends());
        this.codec = new RecordCodec(config.maxRecordBytes());
        this.thread = Thread.ofPlatform()
                .name("courier-journal-writer-" + dir.getFileName())
                .daemon(true)
                .uncaughtExceptionHandler((t, e) -> log.error("Journal writer {} died", t.getName(), e))
                .unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    long writeFailures() {
        return writeFailures;
    }

    /** Queues one append; see {@link SegmentLog#append(byte[], long)} for the contract. */
    CompletableFuture<Long> submit(byte[] payload, long failuresSeen) {
        closeLock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("journal is closed: " + dir);
            }
            if (!permits.tryAcquire()) {
                throw new JournalFullException("journal " + dir + " has " + config.maxPendingAppends()
                        + " appends pending (maxPendingAppends); append rejected");
            }
            CompletableFuture<Long> future = new CompletableFuture<>();
            queue.add(new Pending(payload, future, System.nanoTime(), failuresSeen));
            return future;
        } finally {
            closeLock.readLock().unlock();
        }
    }

    /** Stops accepting appends, lets the thread write, fsync and complete everything queued, and waits for it. */
    void close() {
        closeLock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                queue.add(CLOSE);
            }
        } finally {
            closeLock.writeLock().unlock();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        boolean stop = false;
        while (!stop) {
            try {
                Pending first = nextFirst();
                if (first == CLOSE) {
                    break;
                }
                if (first != null) {
                    batch.add(first);
                    batchDone = 0;
                    stop = fill();
                    write();
                }
                syncIfDue();
            } catch (InterruptedException e) {
                log.warn("Journal writer {} interrupted; ignored", thread.getName());
            } catch (Throwable t) {
                log.error("Journal writer {}: unexpected failure; failing the current batch", thread.getName(), t);
                needsRollback = true;
                fail(t);
            } finally {
                batch.clear();
            }
        }
        finish();
    }

    private Pending nextFirst() throws InterruptedException {
        if (config.fsyncPolicy() == FsyncPolicy.ALWAYS || !dirty) {
            return queue.take();
        }
        long wait = dirtySinceNanos + config.fsyncInterval().toNanos() - System.nanoTime();
        return wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
    }

    /** Adds appends to the batch until it is full or its delay ran out; true if {@link #close()} was seen. */
    private boolean fill() throws InterruptedException {
        long deadline = batch.get(0).appendedNanos() + config.maxBatchDelay().toNanos();
        if (queue.isEmpty()) {
            loneRecordPause.run();
        }
        while (batch.size() < config.maxBatch()) {
            int before = batch.size();
            queue.drainTo(batch, config.maxBatch() - before);
            if (batch.size() > before && batch.get(batch.size() - 1) == CLOSE) {
                batch.remove(batch.size() - 1);
                return true;
            }
            if (batch.size() >= config.maxBatch()) {
                break;
            }
            long wait = deadline - System.nanoTime();
            if (wait <= 0) {
                break;
            }
            Pending next = queue.poll(wait, TimeUnit.NANOSECONDS);
            if (next == null) {
                break;
            }
            if (next == CLOSE) {
                return true;
            }
            batch.add(next);
        }
        return false;
    }

    private void write() {
        refuseStale();
        if (batch.isEmpty()) {
            return;
        }
        Segment segment = owner.activeSegment();
        try {
            if (needsRollback) {
                rollback(segment);
            }
            long position = segment.lastPosition + 1;
            buffer.clear();
            for (int i = 0; i < batch.size(); i++) {
                byte[] payload = batch.get(i).payload();
                int frameBytes = RecordCodec.HEADER_BYTES + payload.length;
                if (segment.writeEnd + buffer.position() + frameBytes > config.segmentBytes()
                        && position > segment.firstPosition) {
                    flush(segment);
                    force(segment);
                    commit(segment, position - 1, i);
                    segment = roll(segment);
                }
                long offset = segment.writeEnd + buffer.position();
                if (frameBytes > buffer.remaining()) {
                    flush(segment);
                }
                if (frameBytes > buffer.remaining()) {
                    codec.encodeHeader(buffer, position, payload);
                    flush(segment);
                    Segment.writeFully(segment.channel, ByteBuffer.wrap(payload), segment.writeEnd);
                    segment.writeEnd += payload.length;
                } else {
                    codec.encode(buffer, position, payload);
                }
                segment.index.onRecord(position, offset);
                position++;
            }
            flush(segment);
            if (config.fsyncPolicy() == FsyncPolicy.ALWAYS) {
                force(segment);
            } else if (!dirty) {
                dirty = true;
                dirtySinceNanos = System.nanoTime();
            }
            commit(segment, position - 1, batch.size());
        } catch (IOException | RuntimeException e) {
            rollbackQuietly(segment);
            fail(e);
        }
    }

    /**
     * Fails, without writing them, the appends made before a write failure they did not see (see
     * {@link SegmentLog#append(byte[], long)}); they complete before the rest of the batch is written.
     */
    private void refuseStale() {
        long failures = writeFailures;
        JournalWriteException refusal = null;
        int kept = 0;
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            if (p.failuresSeen() >= failures) {
                batch.set(kept++, p);
                continue;
            }
            if (refusal == null) {
                refusal = new JournalWriteException(
                        "journal write failed in " + dir + " after this append was made (refused unwritten): "
                                + lastFailure,
                        lastFailure);
            }
            permits.release();
            p.future().completeExceptionally(refusal);
        }
        batch.subList(kept, batch.size()).clear();
    }

    private void flush(Segment segment) throws IOException {
        buffer.flip();
        int bytes = buffer.remaining();
        Segment.writeFully(segment.channel, buffer, segment.writeEnd);
        segment.writeEnd += bytes;
        buffer.clear();
    }

    /** Publishes records up to {@code lastPosition} and completes the batch's futures up to {@code upTo}. */
    private void commit(Segment segment, long lastPosition, int upTo) {
        segment.committedEnd = segment.writeEnd;
        segment.lastPosition = lastPosition;
        owner.publish(lastPosition);
        int count = upTo - batchDone;
        long firstPosition = lastPosition - count + 1;
        permits.release(count);
        int from = batchDone;
        // what the completions wake (a durable lane handed the stored messages) wakes once all of them are done
        try {
            HeldWakeUps.holding(() -> {
                for (int i = 0; i < count; i++) {
                    batch.get(from + i).future().complete(firstPosition + i);
                }
            });
        } catch (RuntimeException e) {
            // a wake-up's own failure (its executor shutting down): the batch is written and completed all the same
            log.warn("Journal {}: waking what a completed batch handed work to failed", dir, e);
        }
        batchDone = upTo;
    }

    private Segment roll(Segment old) throws IOException {
        Segment next = Segment.create(dir, old.lastPosition + 1, factory, config.indexIntervalBytes());
        DirectorySync.sync(dir);
        old.sealed = true;
        LogRecovery.writeSidecarQuietly(old);
        owner.addSegment(next);
        return next;
    }

    private void rollback(Segment segment) throws IOException {
        segment.writeEnd = segment.committedEnd;
        segment.index.truncateFrom(segment.lastPosition + 1);
        buffer.clear();
        needsRollback = true;
        segment.channel.truncate(segment.committedEnd);
        needsRollback = false;
    }

    private void rollbackQuietly(Segment segment) {
        try {
            rollback(segment);
        } catch (IOException | RuntimeException e) {
            log.warn(
                    "Journal {}: could not truncate {} back to {} after a failed write ({}); retried before the"
                            + " next write",
                    dir,
                    segment.name(),
                    segment.committedEnd,
                    e.toString());
        }
    }

    private void fail(Throwable cause) {
        lastFailure = cause;
        writeFailures++; // before any future fails: whoever reacts to the failure sees it counted
        int count = batch.size() - batchDone;
        if (count <= 0) {
            return;
        }
        JournalWriteException failure =
                new JournalWriteException("journal write failed in " + dir + ": " + cause, cause);
        log.warn("Journal {}: {} appends failed: {}", dir, count, cause.toString());
        permits.release(count);
        for (int i = batchDone; i < batch.size(); i++) {
            batch.get(i).future().completeExceptionally(failure);
        }
        batchDone = batch.size();
    }

    private void syncIfDue() {
        if (!dirty
                || System.nanoTime() - dirtySinceNanos < config.fsyncInterval().toNanos()) {
            return;
        }
        Segment segment = owner.activeSegment();
        try {
            force(segment);
            dirty = false;
        } catch (IOException e) {
            dirtySinceNanos = System.nanoTime();
            log.error(
                    "Journal {}: periodic fsync of {} failed ({}); acknowledged records may not survive a power"
                            + " loss; retrying in {}",
                    dir,
                    segment.name(),
                    e.toString(),
                    config.fsyncInterval());
        }
    }

    private void finish() {
        Segment segment = owner.activeSegment();
        if (dirty) {
            try {
                force(segment);
                dirty = false;
            } catch (IOException e) {
                log.error("Journal {}: final fsync of {} failed: {}", dir, segment.name(), e.toString());
            }
        }
        if (!needsRollback) {
            LogRecovery.writeSidecarQuietly(segment);
        }
    }
}
