package io.courier.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * Why a namespace could not connect: the server refused it ({@code CONNECT_ERROR} with a message and optional data, as
 * from a middleware; the socket does not retry, as in socket.io-client), or the connection itself failed (the client
 * retries when reconnection is on).
 */
public final class ConnectError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient JsonNode data;
    private final boolean refused;

    ConnectError(String message, JsonNode data, boolean refused, Throwable cause) {
        super(message, cause);
        this.data = data == null ? MissingNode.getInstance() : data;
        this.refused = refused;
    }

    /** The server's {@code data} of a refusal ({@code MissingNode} when none). */
    public JsonNode data() {
        return data;
    }

    /** True when the server refused the namespace; false when the connection failed. */
    public boolean refusedByServer() {
        return refused;
    }
}
