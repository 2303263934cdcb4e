package io.courier.netty;

import io.courier.engine.EngineIoError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Builds and writes the few kinds of HTTP responses the server sends. */
final class HttpResponses {
    private HttpResponses() {}

    static FullHttpResponse response(HttpResponseStatus status, ByteBuf body, String contentType) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        if (contentType != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    static FullHttpResponse text(HttpResponseStatus status, String body, String contentType) {
        return response(status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), contentType);
    }

    static FullHttpResponse empty(HttpResponseStatus status) {
        return response(status, Unpooled.EMPTY_BUFFER, null);
    }

    /** An Engine.IO error as the reference server answers it: 403 for {@code FORBIDDEN}, 400 for the others. */
    static FullHttpResponse error(EngineIoError error) {
        HttpResponseStatus status =
                error == EngineIoError.FORBIDDEN ? HttpResponseStatus.FORBIDDEN : HttpResponseStatus.BAD_REQUEST;
        return text(status, error.json(), "application/json");
    }

    /** Writes the response; closes the connection afterwards unless {@code keepAlive}. */
    static void write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        if (keepAlive) {
            HttpUtil.setKeepAlive(r, true);
            ctx.writeAndFlush(r, ctx.voidPromise());
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
