package io.courier.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the segments of a directory after a clean close or a crash.
 *
 * <ul>
 *   <li>Sealed segments (all but the last) are trusted as far as their sidecar index goes when it checks out and its
 *       data end equals the file size; otherwise they are scanned record by record (and the sidecar rewritten).
 *       Sealed segments are never modified.
 *   <li>The tail (last) segment is scanned from its last index point (the sidecar of a clean close, if the frame of
 *       that position is intact there) or from its header. Damage followed by an intact frame is reported as a
 *       {@link Corruption} and kept; damage with nothing intact after it up to the end of the file is a torn tail and
 *       is truncated (one log line says what).
 *   <li>A tail segment shorter than its header (a crash while it was being created) gets its header rewritten; a
 *       damaged header is logged and the file name is trusted.
 *   <li>Positions missing between two segments are reported as a {@link Corruption}.
 * </ul>
 */
final class LogRecovery {
    private static final Logger log = LoggerFactory.getLogger(LogRecovery.class);
    private static final int WINDOW_BYTES = 1 << 20;

    record Result(List<Segment> segments, List<Corruption> corruptions, List<TornTail> tornTails) {}

    private record ScanResult(long validEnd, long lastPosition) {}

    private LogRecovery() {}

    static Result recover(Path dir, JournalConfig config, ChannelFactory factory) throws IOException {
        Files.createDirectories(dir);
        TreeMap<Long, Path> files = listSegments(dir);
        List<Corruption> corruptions = new ArrayList<>();
        List<TornTail> tornTails = new ArrayList<>();
        List<Segment> segments = new ArrayList<>();
        RecordCodec codec = new RecordCodec(config.maxRecordBytes());
        try {
            if (files.isEmpty()) {
                segments.add(Segment.create(dir, 1, factory, config.indexIntervalBytes()));
                DirectorySync.sync(dir);
            }
            int i = 0;
            for (Map.Entry<Long, Path> entry : files.entrySet()) {
                boolean tail = ++i == files.size();
                segments.add(
                        tail
                                ? recoverTail(
                                        entry.getValue(),
                                        entry.getKey(),
                                        config,
                                        factory,
                                        codec,
                                        corruptions,
                                        tornTails)
                                : recoverSealed(entry.getValue(), entry.getKey(), config, factory, codec, corruptions));
            }
        } catch (IOException | RuntimeException e) {
            segments.forEach(s -> Segment.closeQuietly(s.channel));
            throw e;
        }
        for (int k = 1; k < segments.size(); k++) {
            Segment previous = segments.get(k - 1);
            Segment current = segments.get(k);
            if (current.firstPosition > previous.lastPosition + 1) {
                Corruption gap = new Corruption(
                        previous.name(),
                        previous.lastPosition + 1,
                        current.firstPosition - 1,
                        -1,
                        "positions missing between segments " + previous.name() + " and " + current.name());
                log.error("Journal {}: {}", dir, gap);
                corruptions.add(gap);
            } else if (current.firstPosition <= previous.lastPosition) {
                log.warn(
                        "Journal {}: segment {} holds records past the start of {}; they are ignored",
                        dir,
                        previous.name(),
                        current.name());
                previous.lastPosition = current.firstPosition - 1;
                ignoreDamageAfter(corruptions, previous);
            }
        }
        return new Result(segments, corruptions, tornTails);
    }

    /** Drops or shortens the damage found in {@code segment} past its (lowered) last position. */
    private static void ignoreDamageAfter(List<Corruption> corruptions, Segment segment) {
        for (ListIterator<Corruption> it = corruptions.listIterator(); it.hasNext(); ) {
            Corruption c = it.next();
            if (!c.segment().equals(segment.name()) || c.lastPosition() <= segment.lastPosition) {
                continue;
            }
            if (c.firstPosition() > segment.lastPosition) {
                it.remove();
            } else {
                it.set(new Corruption(
                        c.segment(), c.firstPosition(), segment.lastPosition, c.fileOffset(), c.reason()));
            }
        }
    }

    private static TreeMap<Long, Path> listSegments(Path dir) throws IOException {
        TreeMap<Long, Path> segments = new TreeMap<>();
        List<Path> sidecars = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path path : stream) {
                String name = path.getFileName().toString();
                long first = SegmentHeader.parseFileName(name);
                if (first > 0) {
                    segments.put(first, path);
                } else if (name.endsWith(SegmentIndex.SUFFIX + ".tmp")) {
                    Files.deleteIfExists(path);
                } else if (name.endsWith(SegmentIndex.SUFFIX)) {
                    sidecars.add(path);
                }
            }
        }
        for (Path sidecar : sidecars) {
            String name = sidecar.getFileName().toString();
            String segmentName = name.substring(0, name.length() - SegmentIndex.SUFFIX.length()) + SegmentHeader.SUFFIX;
            if (!Files.exists(sidecar.resolveSibling(segmentName))) {
                Files.deleteIfExists(sidecar); // its segment was trimmed
            }
        }
        return segments;
    }

    private static Segment recoverSealed(
            Path path,
            long first,
            JournalConfig config,
            ChannelFactory factory,
            RecordCodec codec,
            List<Corruption> corruptions)
            throws IOException {
        FileChannel channel = factory.open(path, Set.of(StandardOpenOption.READ));
        try {
            long size = channel.size();
            FileWindow window = new FileWindow(channel, WINDOW_BYTES);
            checkHeader(window, path, first, size);
            SegmentIndex.Sidecar sidecar =
                    SegmentIndex.readSidecar(Segment.indexPath(path), first, config.indexIntervalBytes());
            if (sidecar != null && sidecar.dataEnd() == size) {
                Segment segment = new Segment(path, first, channel, sidecar.index(), size, sidecar.lastPosition());
                segment.sealed = true;
                return segment;
            }
            SegmentIndex index = new SegmentIndex(first, config.indexIntervalBytes());
            long start = Math.min(size, SegmentHeader.BYTES);
            ScanResult scan = scan(window, codec, index, start, first, size, path, corruptions);
            if (scan.validEnd() < size) {
                log.warn(
                        "Sealed segment {} has {} unreadable bytes at its end, from offset {} (after position {})",
                        path,
                        size - scan.validEnd(),
                        scan.validEnd(),
                        scan.lastPosition());
            } else {
                writeSidecarQuietly(index, path, scan.lastPosition(), size);
            }
            Segment segment = new Segment(path, first, channel, index, scan.validEnd(), scan.lastPosition());
            segment.sealed = true;
            return segment;
        } catch (IOException | RuntimeException e) {
            Segment.closeQuietly(channel);
            throw e;
        }
    }

    private static Segment recoverTail(
            Path path,
            long first,
            JournalConfig config,
            ChannelFactory factory,
            RecordCodec codec,
            List<Corruption> corruptions,
            List<TornTail> tornTails)
            throws IOException {
        FileChannel channel = factory.open(path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
        try {
            long size = channel.size();
            FileWindow window = new FileWindow(channel, WINDOW_BYTES);
            if (size < SegmentHeader.BYTES) {
                log.info("Tail segment {} is shorter than its header ({} bytes): rewriting the header", path, size);
                channel.truncate(0);
                Segment.writeFully(channel, SegmentHeader.encode(first), 0);
                channel.force(false);
                size = SegmentHeader.BYTES;
            } else if (checkHeader(window, path, first, size) != null) {
                Segment.writeFully(channel, SegmentHeader.encode(first), 0);
                channel.force(false);
                window = new FileWindow(channel, WINDOW_BYTES);
            }
            Path sidecarPath = Segment.indexPath(path);
            SegmentIndex.Sidecar sidecar = SegmentIndex.readSidecar(sidecarPath, first, config.indexIntervalBytes());
            SegmentIndex index;
            long startOffset = SegmentHeader.BYTES;
            long startPosition = first;
            if (sidecar != null
                    && sidecar.dataEnd() <= size
                    && sidecar.index().last() != null
                    && holdsItsFrame(window, codec, sidecar.index().last(), first, size, path)) {
                index = sidecar.index();
                startOffset = index.last().offset();
                startPosition = index.last().position();
            } else {
                index = new SegmentIndex(first, config.indexIntervalBytes());
            }
            // The tail changes from now on; a fresh sidecar is written when it is sealed or on a clean close.
            Files.deleteIfExists(sidecarPath);
            ScanResult scan = scan(window, codec, index, startOffset, startPosition, size, path, corruptions);
            if (scan.validEnd() < size) {
                TornTail torn = tornTail(window, codec, path, scan, size);
                log.warn(
                        "Truncated the torn tail of segment {}: {} bytes from offset {} (last intact position {}; at"
                                + " most {} record(s) were there)",
                        path,
                        torn.bytes(),
                        torn.fileOffset(),
                        torn.afterPosition(),
                        torn.positions());
                tornTails.add(torn);
                channel.truncate(scan.validEnd());
                channel.force(false);
            }
            return new Segment(path, first, channel, index, scan.validEnd(), scan.lastPosition());
        } catch (IOException | RuntimeException e) {
            Segment.closeQuietly(channel);
            throw e;
        }
    }

    /** Describes the bytes from {@code scan.validEnd()} to {@code size}, before they are cut. */
    private static TornTail tornTail(FileWindow window, RecordCodec codec, Path path, ScanResult scan, long size)
            throws IOException {
        long at = scan.validEnd();
        long expected = scan.lastPosition() + 1;
        long positions = 0;
        while (at < size) {
            if (at + RecordCodec.HEADER_BYTES <= size) {
                ByteBuffer header = window.bytes(at, RecordCodec.HEADER_BYTES, size);
                int length = header.getInt(header.position());
                if (codec.plausibleLength(length) && header.getLong(header.position() + 8) == expected) {
                    positions++;
                    expected++;
                    at += RecordCodec.HEADER_BYTES + length;
                    continue;
                }
            }
            positions += (size - at + RecordCodec.HEADER_BYTES - 1) / RecordCodec.HEADER_BYTES;
            break;
        }
        int headLength = (int) Math.min(size - scan.validEnd(), TornTail.HEAD_BYTES);
        byte[] head = new byte[headLength];
        window.bytes(scan.validEnd(), headLength, size).get(head);
        return new TornTail(
                path.getFileName().toString(),
                scan.lastPosition(),
                scan.validEnd(),
                size - scan.validEnd(),
                positions,
                head);
    }

    /**
     * Whether the tail's last index point holds an intact frame of its position, a position that the bytes before it
     * can hold (each frame takes at least 16 bytes). A sidecar that checks out can still disagree with its segment,
     * whose bytes may have been damaged after the clean close that wrote it; scanning from such a point would vouch
     * for records that were never verified, and a later open without that sidecar would not see them.
     */
    private static boolean holdsItsFrame(
            FileWindow window, RecordCodec codec, SegmentIndex.Entry entry, long first, long size, Path path)
            throws IOException {
        RecordCodec.Frame frame = codec.decode(window, entry.offset(), size);
        if (frame != null
                && frame.position() == entry.position()
                && entry.position() - first <= (entry.offset() - SegmentHeader.BYTES) / RecordCodec.HEADER_BYTES) {
            return true;
        }
        log.warn(
                "Index sidecar of tail segment {} names position {} at offset {}, which does not hold it; scanning the"
                        + " segment from its start",
                path,
                entry.position(),
                entry.offset());
        return false;
    }

    /** Logs a damaged header (the file name is trusted) and returns the problem, or null. */
    private static String checkHeader(FileWindow window, Path path, long first, long size) throws IOException {
        String problem = size < SegmentHeader.BYTES
                ? "file shorter than the segment header"
                : SegmentHeader.problem(window.bytes(0, SegmentHeader.BYTES, size), first);
        if (problem != null) {
            log.warn("Segment {}: {}; trusting the file name (first position {})", path, problem, first);
        }
        return problem;
    }

    /**
     * Reads frames from {@code offset} (which should hold {@code position}) to {@code end}, indexing them. Damage
     * followed by an intact frame is added to {@code corruptions}; the scan stops at damage with nothing intact after
     * it.
     */
    private static ScanResult scan(
            FileWindow window,
            RecordCodec codec,
            SegmentIndex index,
            long offset,
            long position,
            long end,
            Path path,
            List<Corruption> corruptions)
            throws IOException {
        long at = offset;
        long expected = position;
        while (at < end) {
            RecordCodec.Frame frame = codec.decode(window, at, end);
            if (frame != null && frame.position() == expected) {
                index.onRecord(expected, at);
                at = frame.end();
                expected++;
                continue;
            }
            RecordCodec.Frame next = FrameScanner.resync(window, codec, at, expected, end, end);
            if (next == null) {
                break;
            }
            if (next.position() > expected) {
                Corruption corruption = new Corruption(
                        path.getFileName().toString(), expected, next.position() - 1, at, FrameScanner.DAMAGED);
                log.error("Journal segment {}: {}", path, corruption);
                corruptions.add(corruption);
            } else {
                log.warn(
                        "Journal segment {}: skipped {} unreadable bytes at offset {} (no record lost)",
                        path,
                        next.offset() - at,
                        at);
            }
            index.add(next.position(), next.offset());
            at = next.offset();
            expected = next.position();
        }
        return new ScanResult(at, expected - 1);
    }

    private static void writeSidecarQuietly(SegmentIndex index, Path segmentPath, long lastPosition, long dataEnd) {
        try {
            index.writeSidecar(Segment.indexPath(segmentPath), lastPosition, dataEnd);
        } catch (IOException e) {
            log.warn("Could not write the index sidecar of {}: {}", segmentPath, e.toString());
        }
    }

    static void writeSidecarQuietly(Segment segment) {
        writeSidecarQuietly(segment.index, segment.path, segment.lastPosition, segment.committedEnd);
    }
}
