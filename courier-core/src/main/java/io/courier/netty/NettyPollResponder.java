package io.courier.netty;

import io.courier.engine.EngineIoError;
import io.courier.engine.PollResponder;
import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketEncoder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;

/** A pending long-poll GET on one HTTP connection; answered once, from the session's loop. */
final class NettyPollResponder implements PollResponder {
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final String origin;
    private final CorsPolicy cors;
    private final AtomicBoolean answered = new AtomicBoolean();

    NettyPollResponder(ChannelHandlerContext ctx, boolean keepAlive, String origin, CorsPolicy cors) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.origin = origin;
        this.cors = cors;
    }

    boolean answered() {
        return answered.get();
    }

    @Override
    public void respond(Collection<EngineIoPacket> packets) {
        if (answered.compareAndSet(false, true)) {
            FullHttpResponse r = HttpResponses.response(
                    HttpResponseStatus.OK,
                    EngineIoPacketEncoder.encodePayload(packets, ctx.alloc()),
                    "text/plain; charset=UTF-8");
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            send(r);
        }
    }

    @Override
    public void reject() {
        if (answered.compareAndSet(false, true)) {
            send(HttpResponses.empty(HttpResponseStatus.BAD_REQUEST));
        }
    }

    @Override
    public void error(EngineIoError error) {
        if (answered.compareAndSet(false, true)) {
            send(HttpResponses.error(error));
        }
    }

    private void send(FullHttpResponse r) {
        cors.addHeaders(origin, r.headers());
        HttpResponses.write(ctx, r, keepAlive);
    }
}
