package io.courier.internal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/** Unguessable identifiers in URL-safe base64: 128 random bits (22 characters), or 120 for socket ids (20). */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Characters in an id. */
    public static final int LENGTH = 22;

    private Ids() {}

    /** A new random id, safe to use as an Engine.IO sid or a recovery pid. */
    public static String newId() {
        return random(16);
    }

    /**
     * A new socket id: 120 random bits as 20 characters, the length of socket.io's ids. Cluster peers tell a socket's
     * own room from other rooms by that length (socket.io's sharded Redis adapter publishes a broadcast to one room on
     * a channel of its own unless the room looks like a socket id), so ours must look like theirs.
     */
    public static String newSocketId() {
        return random(15);
    }

    /** URL-safe base64's alphabet (RFC 4648 section 5). */
    private static final byte[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".getBytes(StandardCharsets.US_ASCII);

    // random bytes drawn 256 at a time and handed out once each (every id gets bytes of its own); guarded by POOL
    private static final byte[] POOL = new byte[256];
    private static int poolUsed = POOL.length;
    // the id's characters before they become its String (which copies them); guarded by POOL
    private static final byte[] CHARS = new byte[64];

    /**
     * {@code bytes} random bytes (at most 48) in URL-safe base64 without padding, encoded straight into the id's
     * characters: one SecureRandom call per 256 bytes instead of one per id, and no intermediate arrays.
     */
    private static String random(int bytes) {
        int length = (bytes * 4 + 2) / 3;
        synchronized (POOL) {
            byte[] chars = CHARS;
            if (poolUsed + bytes > POOL.length) {
                RANDOM.nextBytes(POOL);
                poolUsed = 0;
            }
            int c = 0;
            int end = poolUsed + bytes;
            for (int i = poolUsed; i < end; i += 3) {
                int b0 = POOL[i] & 0xff;
                int b1 = i + 1 < end ? POOL[i + 1] & 0xff : 0;
                int b2 = i + 2 < end ? POOL[i + 2] & 0xff : 0;
                chars[c++] = ALPHABET[b0 >>> 2];
                chars[c++] = ALPHABET[((b0 & 0x3) << 4) | (b1 >>> 4)];
                if (c < length) {
                    chars[c++] = ALPHABET[((b1 & 0xf) << 2) | (b2 >>> 6)];
                }
                if (c < length) {
                    chars[c++] = ALPHABET[b2 & 0x3f];
                }
            }
            java.util.Arrays.fill(POOL, poolUsed, end, (byte) 0); // handed out: not kept around
            poolUsed = end;
            return new String(chars, 0, length, StandardCharsets.US_ASCII);
        }
    }
}
