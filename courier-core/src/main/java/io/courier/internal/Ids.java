package io.courier.internal;

import java.security.SecureRandom;
import java.util.Base64;

/** Unguessable identifiers: 128 random bits as 22 URL-safe base64 characters. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private Ids() {}

    /** A new random id, safe to use as an Engine.IO sid, a socket id or a recovery pid. */
    public static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }
}
