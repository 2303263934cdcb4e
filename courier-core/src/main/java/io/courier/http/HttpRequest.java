package io.courier.http;

import java.net.SocketAddress;
import java.util.Map;

/**
 * One request to an {@link HttpRoute}. Immutable; the body has been read whole.
 *
 * @param method e.g. {@code GET}
 * @param path the decoded path, without the query
 * @param query the query parameters (first value of each)
 * @param headers the headers, lower-case names (first value of each)
 * @param body the body (empty for none)
 * @param remoteAddress the client's address
 */
public record HttpRequest(
        String method,
        String path,
        Map<String, String> query,
        Map<String, String> headers,
        byte[] body,
        SocketAddress remoteAddress) {
    public HttpRequest {
        query = Map.copyOf(query);
        headers = Map.copyOf(headers);
    }

    /** The first value of header {@code name} (lower case), or null if the request has none. */
    public String header(String name) {
        return headers.get(name);
    }
}
