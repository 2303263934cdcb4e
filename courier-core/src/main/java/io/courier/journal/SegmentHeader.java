package io.courier.journal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The header every segment file starts with: {@code magic:int32 "CJRN" | version:int32 (1) |
 * firstPosition:int64 | crc:int32}, big-endian, crc being CRC32C over the 16 bytes before it.
 */
final class SegmentHeader {
    static final int BYTES = 20;
    static final int MAGIC = 0x434A524E; // "CJRN"
    static final int VERSION = 1;
    static final String SUFFIX = ".seg";

    private SegmentHeader() {}

    static ByteBuffer encode(long firstPosition) {
        ByteBuffer buffer = ByteBuffer.allocate(BYTES);
        buffer.putInt(MAGIC).putInt(VERSION).putLong(firstPosition);
        buffer.putInt(crc(buffer.array()));
        return buffer.flip();
    }

    /** Why {@code bytes} (the first {@link #BYTES} of a file) is not a valid header for {@code firstPosition}, or null. */
    static String problem(ByteBuffer bytes, long firstPosition) {
        if (bytes.remaining() < BYTES) {
            return "file shorter than the segment header";
        }
        byte[] array = new byte[BYTES];
        bytes.duplicate().get(array);
        ByteBuffer b = ByteBuffer.wrap(array);
        if (b.getInt(0) != MAGIC) {
            return "bad magic";
        }
        if (b.getInt(16) != crc(array)) {
            return "header checksum mismatch";
        }
        if (b.getInt(4) != VERSION) {
            return "unsupported format version " + b.getInt(4);
        }
        if (b.getLong(8) != firstPosition) {
            return "header names first position " + b.getLong(8) + ", file name " + firstPosition;
        }
        return null;
    }

    static String fileName(long firstPosition) {
        return String.format("%020d%s", firstPosition, SUFFIX);
    }

    /** The first position encoded in a segment file name, or -1 if the name is not one of ours. */
    static long parseFileName(String name) {
        if (name.length() != 20 + SUFFIX.length() || !name.endsWith(SUFFIX)) {
            return -1;
        }
        for (int i = 0; i < 20; i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        try {
            long value = Long.parseLong(name.substring(0, 20));
            return value >= 1 ? value : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int crc(byte[] array) {
        CRC32C crc = new CRC32C();
        crc.update(array, 0, 16);
        return (int) crc.getValue();
    }
}
