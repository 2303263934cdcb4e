package io.courier.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An in-memory file served at one path with GET and HEAD, an {@code ETag} and {@code 304 Not Modified}, mounted with
 * {@code Courier.resource}. Immutable.
 */
public record StaticResource(byte[] content, String contentType, String etag) {
    public StaticResource {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(etag, "etag");
    }

    /** {@code content} served as {@code contentType}, with an ETag made of its SHA-256 digest. */
    public static StaticResource of(byte[] content, String contentType) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
            return new StaticResource(
                    content, contentType, "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code content} in UTF-8, served as {@code contentType} (which names the charset, e.g. {@code text/html; charset=utf-8}). */
    public static StaticResource text(String content, String contentType) {
        return of(content.getBytes(StandardCharsets.UTF_8), contentType);
    }
}
