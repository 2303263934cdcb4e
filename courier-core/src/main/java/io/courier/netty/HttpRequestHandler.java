package io.courier.netty;

import io.courier.engine.EngineIoCloseReason;
import io.courier.engine.EngineIoConfig;
import io.courier.engine.EngineIoError;
import io.courier.engine.EngineIoRequest;
import io.courier.engine.EngineIoServer;
import io.courier.engine.EngineIoSession;
import io.courier.engine.WebSocketTransport;
import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketDecoder;
import io.courier.engine.codec.EngineIoProtocolException;
import io.courier.http.ForeignSessions;
import io.courier.http.HttpResponse;
import io.courier.http.HttpRoute;
import io.courier.http.StaticResource;
import io.courier.internal.SmallStringMap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each HTTP request on one connection: static resources, then engine endpoints (handshake, long-poll GET,
 * POST, WebSocket upgrade), else 404.
 *
 * <p>Request bodies are only accepted for engine POSTs and are gathered here, up to {@code maxHttpBufferSize}: a
 * declared or actual length beyond it is answered 413 at once and the connection closed, without buffering the rest.
 */
final class HttpRequestHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpRequestHandler.class);
    private static final long TOO_LARGE_GRACE_MILLIS = 3000;

    private final CourierHttpServer.Routes routes;

    // the POST body being gathered, if any
    private CompositeByteBuf body;
    private EngineIoSession postSession;
    private EngineEndpoint postEndpoint;
    private String postOrigin;
    private boolean postKeepAlive;
    // content of a request we already answered (or refused) is dropped until its last chunk
    private boolean discarding;
    // after a 413: close once the refused body's last chunk has been dropped
    private boolean closeAfterBody;
    // the body of a request to an HttpRoute, while it arrives
    private CompositeByteBuf routeBody;
    private CourierHttpServer.Routes.Mounted routeTarget;
    private HttpRequest routeRequest;
    // the long-poll this connection is holding, to report an abort if the client goes away first
    private NettyPollResponder pendingPoll;
    private EngineIoSession pendingPollSession;
    // a polling request for another node's session, while its body arrives and until the owner has answered
    private ForwardedRequest forwarding;

    // the next request head, or the rest of a POST body, must arrive before this fires (slow or idle clients); one
    // timer per connection: a request moves deadlineNanos, and the timer, firing early, sleeps again for the rest
    private ScheduledFuture<?> deadline;
    private long deadlineNanos;

    HttpRequestHandler(CourierHttpServer.Routes routes) {
        this.routes = routes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        armDeadline(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    /**
     * Closes the connection if it stays without a complete request head (or POST body) for the idle timeout; a
     * trickling or silent client costs a connection for that long at most. A pending long-poll is answered well
     * before (within pingInterval), after which the next request re-arms the clock. Re-arming moves the deadline of
     * the connection's one timer task; no task is cancelled and scheduled anew per request.
     */
    private void armDeadline(ChannelHandlerContext ctx) {
        long timeout = TimeUnit.MILLISECONDS.toNanos(routes.idleTimeoutMillis());
        deadlineNanos = System.nanoTime() + timeout;
        if (deadline == null) {
            deadline = ctx.executor().schedule(() -> onDeadline(ctx), timeout, TimeUnit.NANOSECONDS);
        }
    }

    private void onDeadline(ChannelHandlerContext ctx) {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            deadline = ctx.executor().schedule(() -> onDeadline(ctx), left, TimeUnit.NANOSECONDS);
            return;
        }
        deadline = null;
        log.debug(
                "connection {}: no complete request within {} ms, closing",
                ctx.channel().remoteAddress(),
                routes.idleTimeoutMillis());
        if (body != null) {
            postSession.endPost();
            releaseBody();
        }
        discarding = true;
        ctx.close();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                discarding = false;
                // a new clock for this request's body (if any) and then for the next request head
                armDeadline(ctx);
                onRequest(ctx, req);
            }
            if (msg instanceof HttpContent content) {
                onContent(ctx, content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelDeadline();
        releaseBody();
        releaseRouteBody();
        if (forwarding != null) {
            forwarding.abort();
            forwarding = null;
        }
        if (pendingPoll != null && !pendingPoll.answered()) {
            pendingPollSession.onPollAborted(pendingPoll);
        }
        pendingPoll = null;
        pendingPollSession = null;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest req) {
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            log.debug("connection {}: bad HTTP request: {}", ctx.channel().remoteAddress(), String.valueOf(cause));
            HttpResponseStatus status = cause instanceof TooLongFrameException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            refuse(ctx, HttpResponses.empty(status));
            return;
        }
        String host = req.headers().get(HttpHeaderNames.HOST);
        if (!routes.hostAllowed(host)) {
            // DNS rebinding, or a name this server was not told it goes by (CourierHttpServer#allowedHosts)
            log.debug(
                    "connection {}: Host {} is not an allowed host",
                    ctx.channel().remoteAddress(),
                    host);
            refuse(
                    ctx,
                    HttpResponses.text(
                            HttpResponseStatus.MISDIRECTED_REQUEST,
                            "Misdirected Request: this server does not answer to the host " + printable(host) + "\n",
                            "text/plain; charset=utf-8"));
            return;
        }
        RequestTarget uri = RequestTarget.parse(req.uri());
        String path = uri.path();
        StaticResource resource = routes.resource(path);
        if (resource != null) {
            serveResource(ctx, req, resource);
            return;
        }
        CourierHttpServer.Routes.Mounted route = routes.route(path);
        if (route != null) {
            long declared = HttpUtil.getContentLength(req, -1L);
            if (declared > route.maxBodyBytes()) {
                refuseTooLarge(
                        ctx,
                        HttpResponses.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "Too Large", "text/plain"),
                        false);
                return;
            }
            routeBody = ctx.alloc().compositeBuffer();
            routeTarget = route;
            routeRequest = req;
            return;
        }
        EngineEndpoint endpoint = routes.endpoint(path);
        if (endpoint == null) {
            respond(ctx, req, HttpResponses.text(HttpResponseStatus.NOT_FOUND, "Not Found", "text/plain"));
            return;
        }
        onEngineRequest(ctx, req, uri, endpoint);
    }

    private void onRouteContent(ChannelHandlerContext ctx, HttpContent content) {
        if (routeBody.readableBytes() + content.content().readableBytes() > routeTarget.maxBodyBytes()) {
            releaseRouteBody();
            refuseTooLarge(
                    ctx,
                    HttpResponses.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "Too Large", "text/plain"),
                    content instanceof LastHttpContent);
            return;
        }
        routeBody.addComponent(true, content.content().retain());
        if (!(content instanceof LastHttpContent)) {
            return;
        }
        HttpRequest req = routeRequest;
        HttpRoute route = routeTarget.route();
        byte[] bytes = ByteBufUtil.getBytes(routeBody);
        releaseRouteBody();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        RequestTarget uri = RequestTarget.parse(req.uri());
        Map<String, String> query = new HashMap<>();
        for (int i = 0; i < uri.size(); i++) {
            query.putIfAbsent(uri.name(i), uri.value(i));
        }
        Map<String, String> headers = new HashMap<>();
        for (Map.Entry<String, String> h : req.headers()) {
            headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue());
        }
        io.courier.http.HttpRequest call = new io.courier.http.HttpRequest(
                req.method().name(),
                uri.path(),
                query,
                headers,
                bytes,
                ctx.channel().remoteAddress());
        java.util.concurrent.CompletableFuture<HttpResponse> reply;
        try {
            reply = route.handle(call);
        } catch (RuntimeException e) {
            reply = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((r, error) -> ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            if (error != null || r == null) {
                log.warn("{} {}: route failed", call.method(), call.path(), error);
                HttpResponses.write(
                        ctx,
                        HttpResponses.text(
                                HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal Server Error", "text/plain"),
                        keepAlive);
                return;
            }
            FullHttpResponse response = HttpResponses.response(
                    HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()), r.contentType());
            r.headers().forEach((k, v) -> response.headers().set(k, v));
            HttpResponses.write(ctx, response, keepAlive);
        }));
    }

    private void releaseRouteBody() {
        if (routeBody != null) {
            routeBody.release();
            routeBody = null;
            routeTarget = null;
            routeRequest = null;
        }
    }

    private void onEngineRequest(
            ChannelHandlerContext ctx, HttpRequest req, RequestTarget uri, EngineEndpoint endpoint) {
        HttpHeaders headers = req.headers();
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        CorsPolicy cors = endpoint.cors();
        EngineIoServer engine = endpoint.engine();
        EngineIoConfig config = engine.config();
        boolean upgrade = WebSocketUpgrade.requested(headers);

        if (req.method().equals(HttpMethod.OPTIONS)
                && headers.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
            preflight(ctx, req, origin, cors);
            return;
        }
        String transport = uri.param("transport");
        if (transport == null || !config.transports().contains(transport)) {
            engineError(ctx, req, EngineIoError.UNKNOWN_TRANSPORT, origin, cors);
            return;
        }
        if (origin != null && !CorsPolicy.validOrigin(origin)) {
            engineError(ctx, req, EngineIoError.BAD_REQUEST, null, cors);
            return;
        }
        if (!cors.allows(origin, headers.get(HttpHeaderNames.HOST))) {
            log.debug("connection {}: origin {} not allowed", ctx.channel().remoteAddress(), origin);
            engineError(ctx, req, EngineIoError.FORBIDDEN, null, cors);
            return;
        }
        String sid = uri.param("sid");
        EngineIoSession session = null;
        if (sid != null) {
            session = engine.session(sid);
            if (session == null) {
                if (!upgrade && forward(ctx, req, endpoint, sid, origin, cors)) {
                    return;
                }
                engineError(ctx, req, EngineIoError.UNKNOWN_SID, origin, cors);
                return;
            }
            boolean transportMatches =
                    upgrade ? transport.equals(EngineIoConfig.WEBSOCKET) : transport.equals(session.transportName());
            if (!transportMatches) {
                engineError(ctx, req, EngineIoError.BAD_REQUEST, origin, cors);
                return;
            }
        } else {
            if (!req.method().equals(HttpMethod.GET)) {
                engineError(ctx, req, EngineIoError.BAD_HANDSHAKE_METHOD, origin, cors);
                return;
            }
            if (transport.equals(EngineIoConfig.WEBSOCKET) && !upgrade) {
                engineError(ctx, req, EngineIoError.BAD_REQUEST, origin, cors);
                return;
            }
            if (!"4".equals(uri.param("EIO"))) {
                engineError(ctx, req, EngineIoError.UNSUPPORTED_PROTOCOL_VERSION, origin, cors);
                return;
            }
            if (engine.closing()) {
                // a kept-open connection outlives the listening socket for a moment: the client opens elsewhere
                log.debug(
                        "connection {}: handshake refused, the server is closing",
                        ctx.channel().remoteAddress());
                refuse(ctx, withCors(HttpResponses.empty(HttpResponseStatus.SERVICE_UNAVAILABLE), origin, cors));
                return;
            }
        }

        if (upgrade) {
            if (session != null && !config.allowUpgrades()) {
                engineError(ctx, req, EngineIoError.BAD_REQUEST, origin, cors);
                return;
            }
            upgradeToWebSocket(ctx, req, uri, endpoint, session);
        } else if (req.method().equals(HttpMethod.GET)) {
            if (session == null) {
                handshake(ctx, req, uri, endpoint, origin);
            } else {
                poll(ctx, req, session, origin, cors);
            }
        } else if (req.method().equals(HttpMethod.POST)) {
            beginPost(ctx, req, session, endpoint, origin);
        } else {
            respond(ctx, req, withCors(HttpResponses.empty(HttpResponseStatus.INTERNAL_SERVER_ERROR), origin, cors));
        }
    }

    /**
     * Starts forwarding a polling request for a sid another node of the cluster made, unless there is no such node,
     * this node made it, or the request was already forwarded once; false if not forwarded.
     */
    private boolean forward(
            ChannelHandlerContext ctx,
            HttpRequest req,
            EngineEndpoint endpoint,
            String sid,
            String origin,
            CorsPolicy cors) {
        ForeignSessions foreign = endpoint.foreign();
        String owner = EngineIoServer.ownerOf(sid);
        if (foreign == null
                || owner == null
                || owner.equals(foreign.nodeId())
                || req.headers().contains(ForeignSessions.FORWARDED_HEADER)) {
            return false;
        }
        EngineIoConfig config = endpoint.engine().config();
        int max = config.maxHttpBufferSize();
        long declared = HttpUtil.getContentLength(req, -1L);
        if (declared > max) {
            tooLarge(ctx, declared, max, origin, cors, false);
            return true;
        }
        // the owner holds a GET until it has something to send: at most pingInterval, plus its own pong deadline
        java.time.Duration timeout =
                config.pingInterval().plus(config.pingTimeout()).plusSeconds(5);
        forwarding = new ForwardedRequest(ctx, req, foreign, owner, max, timeout, origin, cors);
        return true;
    }

    private void onForwardContent(ChannelHandlerContext ctx, HttpContent content) {
        ForwardedRequest f = forwarding;
        long size = f.sizeWith(content.content());
        if (!f.add(content.content())) {
            forwarding = null;
            tooLarge(ctx, size, f.maxBody(), f.origin(), f.cors(), content instanceof LastHttpContent);
            return;
        }
        if (content instanceof LastHttpContent) {
            f.send();
        }
    }

    private void handshake(
            ChannelHandlerContext ctx, HttpRequest req, RequestTarget uri, EngineEndpoint endpoint, String origin) {
        EngineIoServer engine = endpoint.engine();
        EngineIoSession session = engine.openPolling(ctx.channel().eventLoop(), snapshot(ctx, req, uri));
        EngineIoPacket open = engine.openPacket(session, false);
        NettyPollResponder responder = new NettyPollResponder(ctx, HttpUtil.isKeepAlive(req), origin, endpoint.cors());
        responder.respond(List.of(open));
    }

    private void poll(
            ChannelHandlerContext ctx, HttpRequest req, EngineIoSession session, String origin, CorsPolicy cors) {
        NettyPollResponder responder = new NettyPollResponder(ctx, HttpUtil.isKeepAlive(req), origin, cors);
        pendingPoll = responder;
        pendingPollSession = session;
        session.onPoll(responder);
    }

    private void beginPost(
            ChannelHandlerContext ctx,
            HttpRequest req,
            EngineIoSession session,
            EngineEndpoint endpoint,
            String origin) {
        CorsPolicy cors = endpoint.cors();
        int max = endpoint.engine().config().maxHttpBufferSize();
        String contentType = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/octet-stream")) {
            // binary POST bodies were an Engine.IO v3 feature; v4 always sends text
            discarding = true;
            session.abort(
                    EngineIoCloseReason.PARSE_ERROR,
                    () -> refuse(ctx, withCors(HttpResponses.empty(HttpResponseStatus.BAD_REQUEST), origin, cors)));
            return;
        }
        long declared = HttpUtil.getContentLength(req, -1L);
        if (declared > max) {
            tooLarge(ctx, declared, max, origin, cors, false);
            return;
        }
        if (!session.beginPost()) {
            log.debug("session {}: overlapping POST", session.sid());
            discarding = true;
            session.abort(
                    EngineIoCloseReason.TRANSPORT_ERROR,
                    () -> refuse(ctx, withCors(HttpResponses.empty(HttpResponseStatus.BAD_REQUEST), origin, cors)));
            return;
        }
        body = ctx.alloc().compositeBuffer();
        postSession = session;
        postEndpoint = endpoint;
        postOrigin = origin;
        postKeepAlive = HttpUtil.isKeepAlive(req);
    }

    private void onContent(ChannelHandlerContext ctx, HttpContent content) {
        if (discarding) {
            if (closeAfterBody && content instanceof LastHttpContent) {
                ctx.close();
            }
            return;
        }
        if (routeBody != null && content.decoderResult().isSuccess()) {
            onRouteContent(ctx, content);
            return;
        }
        if (forwarding != null
                && forwarding.gathering()
                && content.decoderResult().isSuccess()) {
            onForwardContent(ctx, content);
            return;
        }
        if (content.decoderResult().isFailure()) {
            // a malformed chunk: Netty's decoder discards the rest of the connection, so close it
            log.debug(
                    "connection {}: bad HTTP body: {}",
                    ctx.channel().remoteAddress(),
                    content.decoderResult().cause());
            if (body != null) {
                postSession.endPost();
                releaseBody();
            }
            releaseRouteBody();
            if (forwarding != null) {
                forwarding.abort();
                forwarding = null;
            }
            refuse(ctx, HttpResponses.empty(HttpResponseStatus.BAD_REQUEST));
            return;
        }
        if (body == null) {
            return;
        }
        int max = postEndpoint.engine().config().maxHttpBufferSize();
        if (body.readableBytes() + content.content().readableBytes() > max) {
            long size = (long) body.readableBytes() + content.content().readableBytes();
            postSession.endPost();
            CorsPolicy cors = postEndpoint.cors();
            String origin = postOrigin;
            releaseBody();
            tooLarge(ctx, size, max, origin, cors, content instanceof LastHttpContent);
            return;
        }
        body.addComponent(true, content.content().retain());
        if (content instanceof LastHttpContent) {
            finishPost(ctx);
        }
    }

    private void finishPost(ChannelHandlerContext ctx) {
        EngineIoSession session = postSession;
        CorsPolicy cors = postEndpoint.cors();
        String origin = postOrigin;
        boolean keepAlive = postKeepAlive;
        byte[] bytes = ByteBufUtil.getBytes(body);
        releaseBody();
        List<EngineIoPacket> packets;
        try {
            packets = EngineIoPacketDecoder.decodePayload(bytes);
        } catch (EngineIoProtocolException e) {
            log.info(
                    "session {} from {}: malformed polling payload: {}; closing",
                    session.sid(),
                    ctx.channel().remoteAddress(),
                    e.getMessage());
            session.endPost();
            session.abort(
                    EngineIoCloseReason.PARSE_ERROR,
                    () -> HttpResponses.write(
                            ctx,
                            withCors(HttpResponses.empty(HttpResponseStatus.BAD_REQUEST), origin, cors),
                            keepAlive));
            return;
        }
        // answered once the packets are handled on the session's loop: the client's next request cannot overtake them
        session.onPost(packets, outcome -> {
            session.endPost();
            FullHttpResponse r = outcome == EngineIoSession.PostOutcome.HANDLED
                    ? HttpResponses.text(HttpResponseStatus.OK, "ok", "text/html")
                    : HttpResponses.error(EngineIoError.BAD_REQUEST);
            HttpResponses.write(ctx, withCors(r, origin, cors), keepAlive);
        });
    }

    private void tooLarge(
            ChannelHandlerContext ctx, long size, int max, String origin, CorsPolicy cors, boolean bodyDone) {
        log.info(
                "connection {}: request body of {} bytes over maxHttpBufferSize {}",
                ctx.channel().remoteAddress(),
                size,
                max);
        refuseTooLarge(
                ctx,
                withCors(HttpResponses.empty(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE), origin, cors),
                bodyDone);
    }

    private void upgradeToWebSocket(
            ChannelHandlerContext ctx,
            HttpRequest req,
            RequestTarget uri,
            EngineEndpoint endpoint,
            EngineIoSession session) {
        EngineIoServer engine = endpoint.engine();
        WebSocketFrameHandler frames = WebSocketUpgrade.handshake(ctx, req, engine);
        if (frames == null) {
            discarding = true;
            return;
        }
        WebSocketTransport ws =
                new WebSocketTransport(ctx.channel(), ctx.pipeline().get(WebSocketUpgrade.DEFLATE_STAGE) != null);
        boolean probe = session != null;
        if (!probe) {
            session = engine.openWebSocket(ws, snapshot(ctx, req, uri));
        }
        frames.bind(session, ws);
        if (probe) {
            session.onUpgradeSocket(ws);
        }
        WebSocketUpgrade.finish(ctx.pipeline(), this);
        // the 101 answer is written, not flushed: a new session's open packet went out with it, in one write
        ctx.channel().flush();
    }

    private void preflight(ChannelHandlerContext ctx, HttpRequest req, String origin, CorsPolicy cors) {
        if (origin == null || !CorsPolicy.validOrigin(origin) || !cors.allows(origin, null)) {
            respond(ctx, req, HttpResponses.error(EngineIoError.FORBIDDEN));
            return;
        }
        FullHttpResponse r = HttpResponses.empty(HttpResponseStatus.NO_CONTENT);
        cors.addHeaders(origin, r.headers());
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET,HEAD,PUT,PATCH,POST,DELETE");
        String requested = req.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        if (requested != null
                && CorsPolicy.validOrigin(requested.replace(" ", "").replace(",", ""))) {
            r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, requested);
            r.headers().add(HttpHeaderNames.VARY, HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        }
        respond(ctx, req, r);
    }

    private void serveResource(ChannelHandlerContext ctx, HttpRequest req, StaticResource resource) {
        if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
            respond(ctx, req, HttpResponses.empty(HttpResponseStatus.METHOD_NOT_ALLOWED));
            return;
        }
        FullHttpResponse r;
        if (resource.etag().equals(req.headers().get(HttpHeaderNames.IF_NONE_MATCH))) {
            r = HttpResponses.empty(HttpResponseStatus.NOT_MODIFIED);
        } else {
            r = HttpResponses.response(
                    HttpResponseStatus.OK,
                    req.method().equals(HttpMethod.HEAD)
                            ? Unpooled.EMPTY_BUFFER
                            : Unpooled.wrappedBuffer(resource.content()),
                    resource.contentType());
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resource.content().length);
        }
        r.headers().set(HttpHeaderNames.ETAG, resource.etag());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=0");
        respond(ctx, req, r);
    }

    private void engineError(
            ChannelHandlerContext ctx, HttpRequest req, EngineIoError error, String origin, CorsPolicy cors) {
        if (WebSocketUpgrade.requested(req.headers())) {
            // the reference server answers a refused upgrade and drops the connection
            log.debug(
                    "connection {}: upgrade {} -> {} {}",
                    ctx.channel().remoteAddress(),
                    req.uri(),
                    error.code(),
                    error.message());
            refuse(ctx, withCors(HttpResponses.error(error), origin, cors));
            return;
        }
        log.debug(
                "connection {}: {} {} -> {} {}",
                ctx.channel().remoteAddress(),
                req.method(),
                req.uri(),
                error.code(),
                error.message());
        respond(ctx, req, withCors(HttpResponses.error(error), origin, cors));
    }

    /** Answers a request whose body (if any) we will not read; the rest of it is discarded. */
    private void respond(ChannelHandlerContext ctx, HttpRequest req, FullHttpResponse r) {
        boolean hasBody = HttpUtil.getContentLength(req, 0L) > 0 || HttpUtil.isTransferEncodingChunked(req);
        if (hasBody) {
            refuse(ctx, r);
        } else {
            HttpResponses.write(ctx, r, HttpUtil.isKeepAlive(req));
        }
    }

    /** Answers and closes the connection: used when the request's remaining bytes must not be read. */
    /**
     * Answers 413 at once but closes only after the rest of the body arrived (and was dropped), at most
     * {@value #TOO_LARGE_GRACE_MILLIS} ms later: a client still sending would otherwise get a reset instead of the
     * answer.
     */
    private void refuseTooLarge(ChannelHandlerContext ctx, FullHttpResponse r, boolean bodyDone) {
        if (bodyDone) {
            refuse(ctx, r);
            return;
        }
        discarding = true;
        closeAfterBody = true;
        r.headers().set(HttpHeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r, ctx.voidPromise());
        // a client that stops sending (or announced far more than it sends) is not waited for
        ctx.executor().schedule(() -> ctx.close(), TOO_LARGE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpResponse r) {
        discarding = true;
        HttpResponses.write(ctx, r, false);
    }

    private static FullHttpResponse withCors(FullHttpResponse r, String origin, CorsPolicy cors) {
        cors.addHeaders(origin, r.headers());
        return r;
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
        postSession = null;
        postEndpoint = null;
        postOrigin = null;
    }

    /** A header value fit to quote back: visible ASCII only, at most 100 characters. */
    private static String printable(String value) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < value.length() && b.length() < 100; i++) {
            char c = value.charAt(i);
            b.append(c > 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    /**
     * What the session keeps of its handshake request for its lifetime: header names and common values as shared
     * constants ({@link CommonStrings}), values many connections repeat (the Host, the URL of a WebSocket-only
     * handshake) as one copy ({@link RepeatedStrings}), the same query as the last request's shared with it, and the
     * maps as compact arrays ({@link SmallStringMap}).
     */
    private EngineIoRequest snapshot(ChannelHandlerContext ctx, HttpRequest req, RequestTarget uri) {
        RepeatedStrings repeated = routes.repeatedStrings();
        SmallStringMap.Builder headers =
                new SmallStringMap.Builder(req.headers().size());
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = req.headers().iteratorCharSequence();
                it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            String name = CommonStrings.headerName(h.getKey());
            String value = CommonStrings.value(h.getValue().toString());
            // a WebSocket key is new with every request: it would only push shareable strings out
            headers.merge(name, name.equals("sec-websocket-key") ? value : repeated.share(value));
        }
        return new EngineIoRequest(
                repeated.share(req.uri()),
                routes.sharedQuery(uri),
                headers.build(),
                ctx.channel().remoteAddress(),
                ctx.pipeline().get(SslHandler.class) != null,
                System.currentTimeMillis());
    }
}
