package io.courier.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * One segment file: {@code <firstPosition, 20 digits>.seg}, a {@link SegmentHeader} followed by frames
 * ({@link RecordCodec}) for consecutive positions starting at {@code firstPosition}.
 *
 * <p>The committed fields ({@link #committedEnd}, {@link #lastPosition}) are written by the one writer thread and
 * read by readers; readers never look past {@code committedEnd}. The channel is shared: positional reads and writes
 * are safe to run concurrently.
 */
final class Segment {
    final Path path;
    final long firstPosition;
    final FileChannel channel;
    final SegmentIndex index;

    /** Bytes that hold the header and committed records: readers never read beyond. */
    volatile long committedEnd;
    /** The last committed position in this segment ({@code firstPosition - 1} while empty). */
    volatile long lastPosition;
    /** Set once a later segment exists; the file no longer changes. */
    volatile boolean sealed;

    /** Writer only: where the next frame goes (may run ahead of {@link #committedEnd} inside a batch). */
    long writeEnd;

    Segment(Path path, long firstPosition, FileChannel channel, SegmentIndex index, long end, long lastPosition) {
        this.path = path;
        this.firstPosition = firstPosition;
        this.channel = channel;
        this.index = index;
        this.committedEnd = end;
        this.writeEnd = end;
        this.lastPosition = lastPosition;
    }

    /**
     * Creates (or, if a stray file of that name exists, overwrites) the segment for {@code firstPosition}, writes and
     * fsyncs its header. The caller fsyncs the directory.
     */
    static Segment create(Path dir, long firstPosition, ChannelFactory factory, int indexIntervalBytes)
            throws IOException {
        Path path = dir.resolve(SegmentHeader.fileName(firstPosition));
        FileChannel channel = factory.open(
                path,
                Set.of(
                        StandardOpenOption.CREATE,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING));
        try {
            writeFully(channel, SegmentHeader.encode(firstPosition), 0);
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            try {
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new Segment(
                path,
                firstPosition,
                channel,
                new SegmentIndex(firstPosition, indexIntervalBytes),
                SegmentHeader.BYTES,
                firstPosition - 1);
    }

    String name() {
        return path.getFileName().toString();
    }

    Path indexPath() {
        return indexPath(path);
    }

    static Path indexPath(Path segmentPath) {
        String name = segmentPath.getFileName().toString();
        return segmentPath.resolveSibling(
                name.substring(0, name.length() - SegmentHeader.SUFFIX.length()) + SegmentIndex.SUFFIX);
    }

    boolean isEmpty() {
        return lastPosition < firstPosition;
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer, long offset) throws IOException {
        long at = offset;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }
}
