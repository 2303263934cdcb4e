package io.courier.journal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A read-ahead window over one file, filled with positional reads (safe next to the writer). The window never holds
 * bytes at or beyond the {@code end} given when it was filled, so bytes still being written are never cached.
 * Confined to one thread.
 */
final class FileWindow {
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private long start = -1;

    FileWindow(FileChannel channel, int capacity) {
        this.channel = channel;
        this.buffer = ByteBuffer.allocate(capacity);
    }

    FileChannel channel() {
        return channel;
    }

    int capacity() {
        return buffer.capacity();
    }

    /**
     * A buffer whose {@code position()..position()+length} are the file's bytes {@code [offset, offset+length)}; the
     * caller guarantees {@code offset + length <= end}. The buffer is only valid until the next call.
     */
    ByteBuffer bytes(long offset, int length, long end) throws IOException {
        if (start >= 0 && offset >= start && offset + length <= start + buffer.limit()) {
            return buffer.slice((int) (offset - start), length);
        }
        if (length > buffer.capacity()) {
            ByteBuffer big = ByteBuffer.allocate(length);
            readFully(big, offset);
            return big.flip();
        }
        buffer.clear();
        buffer.limit((int) Math.min(buffer.capacity(), end - offset));
        start = -1;
        readFully(buffer, offset);
        buffer.flip();
        start = offset;
        return buffer.slice(0, length);
    }

    private void readFully(ByteBuffer target, long offset) throws IOException {
        long at = offset;
        while (target.hasRemaining()) {
            int n = channel.read(target, at);
            if (n < 0) {
                throw new EOFException("unexpected end of file at offset " + at);
            }
            at += n;
        }
    }
}
