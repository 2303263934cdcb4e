package io.courier.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The sparse in-memory index of one segment: one {@code (position, file offset)} entry per
 * {@code indexIntervalBytes} of records (the first record always has one), so a read from any position scans at most
 * about that many bytes.
 *
 * <p>One thread adds entries (the recovery scan, then the writer); any thread may look entries up: additions are
 * published through a volatile snapshot.
 *
 * <p>The sidecar file {@code <firstPosition>.idx} (written when a segment is sealed and on a clean close) holds
 * {@code magic:int32 "CJIX" | version:int32 (1) | firstPosition:int64 | lastPosition:int64 | dataEnd:int64 |
 * count:int32 | count × (positionDelta:int32, offset:int32) | crc:int32} (CRC32C over everything before it). It is
 * only a hint: it is used when it checks out against its segment, and rebuilt by scanning otherwise.
 */
final class SegmentIndex {
    static final String SUFFIX = ".idx";
    private static final int MAGIC = 0x434A4958; // "CJIX"
    private static final int VERSION = 1;
    private static final int FIXED_BYTES = 4 + 4 + 8 + 8 + 8 + 4;

    record Entry(long position, long offset) {}

    /** A sidecar that checked out: the segment's last position and data end, and its index. */
    record Sidecar(long lastPosition, long dataEnd, SegmentIndex index) {}

    private record Entries(int[] deltas, int[] offsets, int count) {}

    private final long firstPosition;
    private final int intervalBytes;
    private volatile Entries entries = new Entries(new int[16], new int[16], 0);
    private long lastIndexedOffset = Long.MIN_VALUE / 2;

    SegmentIndex(long firstPosition, int intervalBytes) {
        this.firstPosition = firstPosition;
        this.intervalBytes = intervalBytes;
    }

    /** Indexes the record if it starts at least {@code intervalBytes} after the last entry. */
    void onRecord(long position, long offset) {
        if (offset - lastIndexedOffset >= intervalBytes) {
            add(position, offset);
        }
    }

    /** Adds an entry (ignored unless it is after the last entry). */
    void add(long position, long offset) {
        Entries e = entries;
        int n = e.count;
        if (n > 0 && (position <= firstPosition + e.deltas[n - 1] || offset <= e.offsets[n - 1])) {
            return;
        }
        int[] deltas = e.deltas;
        int[] offsets = e.offsets;
        if (n == deltas.length) {
            deltas = Arrays.copyOf(deltas, n * 2);
            offsets = Arrays.copyOf(offsets, n * 2);
        }
        deltas[n] = Math.toIntExact(position - firstPosition);
        offsets[n] = Math.toIntExact(offset);
        entries = new Entries(deltas, offsets, n + 1);
        lastIndexedOffset = offset;
    }

    /** Drops the entries at or after {@code position} (after a failed batch was rolled back). */
    void truncateFrom(long position) {
        Entries e = entries;
        int keep = 0;
        while (keep < e.count && firstPosition + e.deltas[keep] < position) {
            keep++;
        }
        int capacity = Math.max(16, e.deltas.length);
        entries = new Entries(Arrays.copyOf(e.deltas, capacity), Arrays.copyOf(e.offsets, capacity), keep);
        lastIndexedOffset = keep > 0 ? e.offsets[keep - 1] : Long.MIN_VALUE / 2;
    }

    /** The last entry at or before {@code position}, or null. */
    Entry floor(long position) {
        Entries e = entries;
        int lo = 0;
        int hi = e.count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (firstPosition + e.deltas[mid] <= position) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? null : new Entry(firstPosition + e.deltas[found], e.offsets[found]);
    }

    /** The first entry whose offset is greater than {@code offset}, or null. */
    Entry after(long offset) {
        Entries e = entries;
        int lo = 0;
        int hi = e.count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (e.offsets[mid] > offset) {
                found = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return found < 0 ? null : new Entry(firstPosition + e.deltas[found], e.offsets[found]);
    }

    /** The last entry, or null. */
    Entry last() {
        Entries e = entries;
        return e.count == 0 ? null : new Entry(firstPosition + e.deltas[e.count - 1], e.offsets[e.count - 1]);
    }

    int size() {
        return entries.count;
    }

    /**
     * Writes the sidecar atomically (temporary file, then rename; the temporary file is deleted if that fails). Not
     * fsynced: a lost or torn sidecar is rebuilt.
     */
    void writeSidecar(Path path, long lastPosition, long dataEnd) throws IOException {
        Entries e = entries;
        ByteBuffer buffer = ByteBuffer.allocate(FIXED_BYTES + e.count * 8 + 4);
        buffer.putInt(MAGIC)
                .putInt(VERSION)
                .putLong(firstPosition)
                .putLong(lastPosition)
                .putLong(dataEnd);
        buffer.putInt(e.count);
        for (int i = 0; i < e.count; i++) {
            buffer.putInt(e.deltas[i]).putInt(e.offsets[i]);
        }
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putInt((int) crc.getValue());
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try {
            Files.write(tmp, buffer.array());
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException failure) {
            // on a full disk a partly written temporary file would hold space until the next open
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                failure.addSuppressed(suppressed);
            }
            throw failure;
        }
    }

    /**
     * Reads a sidecar; null if it is missing or does not check out (bad magic, version, checksum, first position, or
     * entries out of order or outside {@code [header, dataEnd)}).
     */
    static Sidecar readSidecar(Path path, long firstPosition, int intervalBytes) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (bytes.length < FIXED_BYTES + 4) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if (b.getInt(0) != MAGIC
                || b.getInt(4) != VERSION
                || b.getInt(bytes.length - 4) != (int) crc.getValue()
                || b.getLong(8) != firstPosition) {
            return null;
        }
        long lastPosition = b.getLong(16);
        long dataEnd = b.getLong(24);
        int count = b.getInt(32);
        if (count < 0 || bytes.length != FIXED_BYTES + count * 8L + 4 || lastPosition < firstPosition - 1) {
            return null;
        }
        SegmentIndex index = new SegmentIndex(firstPosition, intervalBytes);
        long previousOffset = SegmentHeader.BYTES - 1;
        long previousPosition = firstPosition - 1;
        for (int i = 0; i < count; i++) {
            long position = firstPosition + b.getInt(FIXED_BYTES + i * 8);
            long offset = b.getInt(FIXED_BYTES + i * 8 + 4);
            if (position <= previousPosition
                    || position > lastPosition
                    || offset <= previousOffset
                    || offset >= dataEnd) {
                return null;
            }
            index.add(position, offset);
            previousOffset = offset;
            previousPosition = position;
        }
        return new Sidecar(lastPosition, dataEnd, index);
    }
}
