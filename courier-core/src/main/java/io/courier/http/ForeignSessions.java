package io.courier.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Long-polling without sticky sessions: how a node of a cluster reaches the node that owns a session it does not hold.
 *
 * <p>With it, every sid a node makes is its {@link #nodeId()} followed by 128 random bits (22 URL-safe base64
 * characters), so any node reads a sid's owner off its first 6 characters. A polling GET or POST for a sid of another node is not answered
 * 400 "Session ID unknown" but handed to {@link #forward}, and the owner's answer (status, headers, body) goes back to
 * the client as it is, so the client sees what the owner would have answered. A request that was already forwarded once
 * is never forwarded again ({@link #FORWARDED_HEADER}): a node that does not hold its sid answers 400. WebSocket
 * upgrades are not forwarded: a probe for another node's sid is answered 400, the client stays on polling.
 *
 * <p>Without it (the default), sids carry no node id and an unknown sid is answered 400, as in socket.io.
 */
public interface ForeignSessions {
    /** Set on a forwarded request, to the forwarding node's id. */
    String FORWARDED_HEADER = "x-courier-forwarded-by";

    /**
     * This node's id in the cluster: 6 characters of {@code [A-Za-z0-9]}, the same for the whole life of the server.
     */
    String nodeId();

    /**
     * Sends {@code request} to the node {@code owner} and completes with its answer, or with null when that node is
     * gone (unknown, unreachable, or silent for {@link Request#timeout()}): the client is then answered 400 "Session
     * ID unknown" and reconnects. Completes exceptionally when this node refuses to forward now (too many forwards
     * in flight): the client is answered 503. Cancelled when the client goes away first; the owner should then see
     * its request end too.
     *
     * <p>Called on an event loop: must not block.
     */
    CompletableFuture<Reply> forward(String owner, Request request);

    /** Called once the HTTP server listens, with the address it is bound to. */
    default void listening(InetSocketAddress address) {}

    /**
     * A polling request to forward.
     *
     * @param method {@code GET} or {@code POST}
     * @param uri the request target as the client sent it (path and query)
     * @param headers the client's headers in order, without hop-by-hop ones ({@code Connection}, {@code
     *     Transfer-Encoding}, ...) and {@code Content-Length}, plus {@link #FORWARDED_HEADER}; {@code Host} and
     *     {@code Origin} as the client sent them, so the owner checks them as this node would
     * @param body the whole body (at most {@code maxHttpBufferSize} bytes; empty for a GET)
     * @param timeout how long the owner may take: longer than pingInterval + pingTimeout, since it holds a GET until it
     *     has something to send
     */
    record Request(String method, String uri, List<Map.Entry<String, String>> headers, byte[] body, Duration timeout) {
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(uri, "uri");
            headers = List.copyOf(headers);
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(timeout, "timeout");
        }
    }

    /**
     * The owner's answer.
     *
     * @param status its status code
     * @param headers its headers (hop-by-hop ones and {@code Content-Length} are dropped when relayed)
     * @param body its body
     */
    record Reply(int status, List<Map.Entry<String, String>> headers, byte[] body) {
        public Reply {
            headers = List.copyOf(headers);
            Objects.requireNonNull(body, "body");
        }
    }
}
