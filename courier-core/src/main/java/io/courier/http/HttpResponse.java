package io.courier.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * The answer of an {@link HttpRoute}.
 *
 * @param status the HTTP status code, e.g. 200
 * @param contentType its {@code Content-Type}
 * @param body its body
 * @param headers extra headers (name to value)
 */
public record HttpResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    public HttpResponse {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status : " + status + " (expected: 100-999)");
        }
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
    }

    /** {@code application/json} with {@code json} (already encoded) as the body. */
    public static HttpResponse json(int status, byte[] json) {
        return new HttpResponse(status, "application/json", json, Map.of());
    }

    /** {@code text/plain; charset=utf-8} with {@code text} as the body. */
    public static HttpResponse text(int status, String text) {
        return new HttpResponse(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of());
    }
}
