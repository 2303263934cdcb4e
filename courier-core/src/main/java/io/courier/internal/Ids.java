package io.courier.internal;

import java.security.SecureRandom;
import java.util.Base64;

/** Unguessable identifiers in URL-safe base64: 128 random bits (22 characters), or 120 for socket ids (20). */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

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

    private static String random(int bytes) {
        byte[] out = new byte[bytes];
        RANDOM.nextBytes(out);
        return ENCODER.encodeToString(out);
    }
}
