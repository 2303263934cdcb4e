package io.courier.testing;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * WebSocket frames (RFC 6455) built by hand, as a client sends them (masked) or as only a server may (unmasked), for
 * tests that write bytes straight to a socket or a channel. {@code head} is FIN | RSV bits | opcode, e.g. {@code 0x81}
 * for a final text frame.
 */
public final class ClientFrames {
    private ClientFrames() {}

    /** A client frame, masked with a random key. */
    public static byte[] masked(int head, byte[] payload) {
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        byte[] header = header(head, payload.length, mask);
        byte[] frame = new byte[header.length + payload.length];
        System.arraycopy(header, 0, frame, 0, header.length);
        for (int i = 0; i < payload.length; i++) {
            frame[header.length + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        return frame;
    }

    /** An unmasked frame, as only a server may send. */
    public static byte[] unmasked(int head, byte[] payload) {
        byte[] header = header(head, payload.length, null);
        byte[] frame = new byte[header.length + payload.length];
        System.arraycopy(header, 0, frame, 0, header.length);
        System.arraycopy(payload, 0, frame, header.length, payload.length);
        return frame;
    }

    /**
     * A frame header declaring {@code length} payload bytes (with the 64-bit form above 65535, written verbatim, so
     * a "negative" length has its most significant bit set), followed by {@code mask} unless it is null.
     */
    public static byte[] header(int head, long length, byte[] mask) {
        ByteBuffer b = ByteBuffer.allocate(14);
        b.put((byte) head);
        int maskBit = mask == null ? 0 : 0x80;
        if (length >= 0 && length <= 125) {
            b.put((byte) (maskBit | length));
        } else if (length >= 0 && length <= 0xffff) {
            b.put((byte) (maskBit | 126)).putShort((short) length);
        } else {
            b.put((byte) (maskBit | 127)).putLong(length);
        }
        if (mask != null) {
            b.put(mask);
        }
        byte[] header = new byte[b.position()];
        b.flip().get(header);
        return header;
    }
}
