package io.courier.netty;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/** An in-memory file served with GET/HEAD, an ETag and {@code 304 Not Modified}. Immutable. */
public record StaticResource(byte[] content, String contentType, String etag) {
    public StaticResource {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(etag, "etag");
    }

    public static StaticResource of(byte[] content, String contentType) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
            return new StaticResource(
                    content, contentType, "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static StaticResource text(String content, String contentType) {
        return of(content.getBytes(StandardCharsets.UTF_8), contentType);
    }
}
