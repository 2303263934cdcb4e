package io.courier.netty;

import io.courier.engine.EngineIoError;
import io.courier.http.ForeignSessions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One polling request for another node's session (see {@link ForeignSessions}), on one connection: its body is
 * gathered (up to {@code maxHttpBufferSize}), it is handed to {@link ForeignSessions#forward} and the owner's answer is
 * written back, on the connection's event loop. Not thread-safe: touched on that loop only.
 */
final class ForwardedRequest {
    private static final Logger log = LoggerFactory.getLogger(ForwardedRequest.class);

    /**
     * Headers that describe one connection, not the request (RFC 9110, 7.6.1), or the framing we redo: never passed
     * on, either way.
     */
    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection",
            "keep-alive",
            "proxy-connection",
            "proxy-authenticate",
            "proxy-authorization",
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade",
            "content-length",
            // the body is forwarded whole: nothing to wait for a 100 Continue about
            "expect");

    private final ChannelHandlerContext ctx;
    private final HttpRequest req;
    private final ForeignSessions foreign;
    private final String owner;
    private final int maxBody;
    private final Duration timeout;
    private final String origin;
    private final CorsPolicy cors;
    private CompositeByteBuf body;
    private CompletableFuture<ForeignSessions.Reply> reply;

    ForwardedRequest(
            ChannelHandlerContext ctx,
            HttpRequest req,
            ForeignSessions foreign,
            String owner,
            int maxBody,
            Duration timeout,
            String origin,
            CorsPolicy cors) {
        this.ctx = ctx;
        this.req = req;
        this.foreign = foreign;
        this.owner = owner;
        this.maxBody = maxBody;
        this.timeout = timeout;
        this.origin = origin;
        this.cors = cors;
        this.body = ctx.alloc().compositeBuffer();
    }

    int maxBody() {
        return maxBody;
    }

    String origin() {
        return origin;
    }

    CorsPolicy cors() {
        return cors;
    }

    /** Whether the body is still being gathered. */
    boolean gathering() {
        return body != null;
    }

    /** Bytes gathered so far plus {@code more}. */
    long sizeWith(ByteBuf more) {
        return (long) body.readableBytes() + more.readableBytes();
    }

    /** Adds a chunk of the body; false (and nothing kept) when it would pass {@code maxHttpBufferSize}. */
    boolean add(ByteBuf chunk) {
        if (sizeWith(chunk) > maxBody) {
            release();
            return false;
        }
        body.addComponent(true, chunk.retain());
        return true;
    }

    /** The body is complete: forwards the request and answers the client when the owner has. */
    void send() {
        byte[] bytes = ByteBufUtil.getBytes(body);
        release();
        ForeignSessions.Request request =
                new ForeignSessions.Request(req.method().name(), req.uri(), headers(), bytes, timeout);
        try {
            reply = foreign.forward(owner, request);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        reply.whenComplete((r, error) -> ctx.executor().execute(() -> answer(r, error, keepAlive)));
    }

    /** The client went away: the owner's answer is not wanted (and the owner sees its request end). */
    void abort() {
        release();
        if (reply != null) {
            reply.cancel(false);
        }
    }

    void release() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    private List<Map.Entry<String, String>> headers() {
        Set<String> named = new java.util.HashSet<>();
        for (String value : req.headers().getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                named.add(token.trim().toLowerCase(Locale.ROOT));
            }
        }
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (Map.Entry<String, String> h : req.headers()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !named.contains(name)) {
                out.add(new AbstractMap.SimpleImmutableEntry<>(h.getKey(), h.getValue()));
            }
        }
        out.add(new AbstractMap.SimpleImmutableEntry<>(ForeignSessions.FORWARDED_HEADER, foreign.nodeId()));
        return out;
    }

    private void answer(ForeignSessions.Reply r, Throwable error, boolean keepAlive) {
        if (!ctx.channel().isActive()) {
            return;
        }
        FullHttpResponse response;
        if (error != null) {
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof CancellationException) {
                return;
            }
            log.warn("sid of node {}: {} {} not forwarded: {}", owner, req.method(), req.uri(), cause.toString());
            response = HttpResponses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "Service Unavailable", "text/plain");
            cors.addHeaders(origin, response.headers());
        } else if (r == null) {
            log.debug("sid of node {}: {} {} -> owner gone, 400", owner, req.method(), req.uri());
            response = HttpResponses.error(EngineIoError.UNKNOWN_SID);
            cors.addHeaders(origin, response.headers());
        } else {
            response = HttpResponses.response(
                    HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()), null);
            for (Map.Entry<String, String> h : r.headers()) {
                if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    response.headers().add(h.getKey(), h.getValue());
                }
            }
        }
        HttpResponses.write(ctx, response, keepAlive);
    }
}
