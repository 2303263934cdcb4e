package io.courier.journal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Finds the next intact frame after a damaged one, shared by recovery and readers.
 *
 * <p>A candidate must decode completely (possible length, within the file, matching CRC32C) and carry a position in
 * {@code [expected, expected + distance / 16]}: every frame takes at least 16 bytes, so no more records than that
 * can hide in the damaged bytes. The frame at the damaged frame's declared length is tried first, but only taken if
 * it holds {@code expected} or {@code expected + 1} (the damaged frame was one record whose length survived): a
 * damaged length can point at any later frame, past intact records. Otherwise every byte offset is tried in turn,
 * so the first intact frame in the file wins.
 */
final class FrameScanner {
    /** The reason given for records lost to damaged bytes, by recovery and by readers alike. */
    static final String DAMAGED = "checksum or framing mismatch";

    private FrameScanner() {}

    /**
     * The first intact frame starting in {@code (badOffset, limit)}, or {@code null} if there is none.
     *
     * @param expected the position the damaged frame should have had
     * @param end the end of the readable bytes of the file
     */
    static RecordCodec.Frame resync(
            FileWindow window, RecordCodec codec, long badOffset, long expected, long limit, long end)
            throws IOException {
        long stop = Math.min(limit, end);
        if (badOffset + RecordCodec.HEADER_BYTES <= end) {
            ByteBuffer header = window.bytes(badOffset, RecordCodec.HEADER_BYTES, end);
            int length = header.getInt(header.position());
            if (codec.plausibleLength(length)) {
                long next = badOffset + RecordCodec.HEADER_BYTES + length;
                RecordCodec.Frame frame = codec.decode(window, next, end);
                if (frame != null && frame.position() >= expected && frame.position() <= expected + 1) {
                    // Decided without regard to limit, so that a search bounded by an index entry (a reader's)
                    // agrees with the unbounded one recovery made.
                    return next < stop ? frame : null;
                }
            }
        }
        long candidate = badOffset + 1;
        while (candidate < stop && candidate + RecordCodec.HEADER_BYTES <= end) {
            int chunkLength = (int) Math.min(window.capacity(), end - candidate);
            ByteBuffer chunk = window.bytes(candidate, chunkLength, end);
            int base = chunk.position();
            int i = 0;
            long hit = -1;
            for (; i + RecordCodec.HEADER_BYTES <= chunkLength && candidate + i < stop; i++) {
                long at = candidate + i;
                int length = chunk.getInt(base + i);
                if (!codec.plausibleLength(length) || at + RecordCodec.HEADER_BYTES + length > end) {
                    continue;
                }
                if (inRange(chunk.getLong(base + i + 8), expected, at - badOffset)) {
                    hit = at;
                    break;
                }
            }
            if (hit >= 0) {
                RecordCodec.Frame frame = codec.decode(window, hit, end);
                if (frame != null) {
                    return frame;
                }
                candidate = hit + 1;
            } else if (i == 0) {
                break;
            } else {
                candidate += i;
            }
        }
        return null;
    }

    private static boolean inRange(long position, long expected, long distance) {
        return position >= expected && position <= expected + distance / RecordCodec.HEADER_BYTES;
    }
}
