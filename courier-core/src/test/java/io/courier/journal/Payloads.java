package io.courier.journal;

import java.util.SplittableRandom;

/** Deterministic test payloads derived from a position. */
final class Payloads {
    private Payloads() {}

    /** 0..maxLength-1 bytes, the same for the same arguments. */
    static byte[] forPosition(long position, int maxLength) {
        SplittableRandom random = new SplittableRandom(position * 0x9E3779B97F4A7C15L);
        byte[] bytes = new byte[random.nextInt(maxLength)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }
}
