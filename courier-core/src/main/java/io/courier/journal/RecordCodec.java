package io.courier.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Record framing: {@code length:int32 | crc:int32 | position:int64 | payload[length]}, big-endian, where {@code crc}
 * is CRC32C over {@code length}, {@code position} and {@code payload} (in that order).
 *
 * <p>An instance holds a reusable {@link CRC32C} and scratch space, so it is confined to one thread.
 */
final class RecordCodec {
    /** Bytes before the payload. */
    static final int HEADER_BYTES = 16;

    private final CRC32C crc = new CRC32C();
    private final ByteBuffer scratch = ByteBuffer.allocate(12);
    private final int maxRecordBytes;

    RecordCodec(int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
    }

    /** A frame that passed every check. */
    record Frame(long offset, int length, long position, ByteBuffer payload) {
        long end() {
            return offset + HEADER_BYTES + length;
        }

        byte[] payloadBytes() {
            byte[] bytes = new byte[length];
            payload.duplicate().get(bytes);
            return bytes;
        }
    }

    /** Writes one frame at {@code buffer}'s position; the caller made sure there is room. */
    void encode(ByteBuffer buffer, long position, byte[] payload) {
        buffer.putInt(payload.length);
        buffer.putInt(checksum(payload.length, position, payload));
        buffer.putLong(position);
        buffer.put(payload);
    }

    /** The frame header alone, for payloads written separately. */
    void encodeHeader(ByteBuffer buffer, long position, byte[] payload) {
        buffer.putInt(payload.length);
        buffer.putInt(checksum(payload.length, position, payload));
        buffer.putLong(position);
    }

    int checksum(int length, long position, byte[] payload) {
        startChecksum(length, position);
        crc.update(payload, 0, payload.length);
        return (int) crc.getValue();
    }

    int checksum(int length, long position, ByteBuffer payload) {
        startChecksum(length, position);
        crc.update(payload.duplicate());
        return (int) crc.getValue();
    }

    private void startChecksum(int length, long position) {
        crc.reset();
        scratch.clear();
        scratch.putInt(length).putLong(position).flip();
        crc.update(scratch);
    }

    /** Whether {@code length} could be a record of this log. */
    boolean plausibleLength(int length) {
        return length >= 0 && length <= maxRecordBytes;
    }

    /**
     * Decodes the frame at {@code offset} if it is complete below {@code end}, has a possible length and a matching
     * checksum; returns {@code null} otherwise. The position is not compared with anything here.
     */
    Frame decode(FileWindow window, long offset, long end) throws IOException {
        if (offset + HEADER_BYTES > end) {
            return null;
        }
        ByteBuffer header = window.bytes(offset, HEADER_BYTES, end);
        int base = header.position();
        int length = header.getInt(base);
        int crcValue = header.getInt(base + 4);
        long position = header.getLong(base + 8);
        if (!plausibleLength(length) || offset + HEADER_BYTES + length > end) {
            return null;
        }
        ByteBuffer payload = window.bytes(offset + HEADER_BYTES, length, end);
        if (checksum(length, position, payload) != crcValue) {
            return null;
        }
        return new Frame(offset, length, position, payload);
    }
}
