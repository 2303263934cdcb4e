package io.courier.netty;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A plain HTTP endpoint next to the Socket.IO ones (an application's API, health checks, metrics), mounted with
 * {@link CourierHttpServer#route}. The body is read whole, up to the route's limit (413 beyond), before
 * {@link #handle} is called.
 *
 * <p>{@link #handle} runs on the connection's event loop: it must not block; return a future and do slow work
 * elsewhere. The reply is written when the future completes (a failed future answers 500).
 */
@FunctionalInterface
public interface HttpRoute {
    CompletableFuture<Reply> handle(Call call);

    /**
     * One request.
     *
     * @param method e.g. {@code GET}
     * @param path the decoded path, without the query
     * @param query the query parameters (first value of each)
     * @param headers the headers, lower-case names (first value of each)
     * @param body the body (empty for none)
     * @param remoteAddress the client's address
     */
    record Call(
            String method,
            String path,
            Map<String, String> query,
            Map<String, String> headers,
            byte[] body,
            SocketAddress remoteAddress) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    /**
     * A reply.
     *
     * @param status the HTTP status code
     * @param contentType its content type
     * @param body its body
     * @param headers extra headers
     */
    record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        public static Reply json(int status, byte[] json) {
            return new Reply(status, "application/json", json, Map.of());
        }

        public static Reply text(int status, String text) {
            return new Reply(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of());
        }
    }
}
