package io.courier.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive HTTP/1.1 connection that carries one request at a time (the polling GETs use one lane, the POSTs
 * another). Reconnects when the server closed it between requests. Runs on the event loop.
 */
final class HttpLane {
    /** A response's status and body, or the failure. */
    interface Callback {
        void done(int status, String body, Throwable failure);
    }

    private final ClientOptions options;
    private final EventLoop loop;
    private Channel channel;
    private Callback pending;
    private boolean closed;

    HttpLane(ClientOptions options, EventLoop loop) {
        this.options = options;
        this.loop = loop;
    }

    /** Sends the request (taking ownership of it); exactly one callback follows unless the lane is closed first. */
    void request(FullHttpRequest request, Callback callback) {
        if (closed) {
            ReferenceCountUtil.release(request);
            return;
        }
        pending = callback;
        if (channel != null && channel.isActive()) {
            write(request);
            return;
        }
        ChannelFuture f = options.connect(loop, pipeline -> pipeline.addLast(new HttpClientCodec())
                .addLast(new HttpObjectAggregator(options.maxPollingBodyBytes()))
                .addLast(new Handler()));
        channel = f.channel();
        f.addListener(done -> {
            if (done.isSuccess()) {
                if (closed) {
                    ReferenceCountUtil.release(request);
                    channel.close();
                } else {
                    write(request);
                }
            } else {
                ReferenceCountUtil.release(request);
                finish(0, null, done.cause());
            }
        });
    }

    private void write(FullHttpRequest request) {
        channel.writeAndFlush(request).addListener(done -> {
            if (!done.isSuccess()) {
                finish(0, null, done.cause());
            }
        });
    }

    private void finish(int status, String body, Throwable failure) {
        Callback cb = pending;
        pending = null;
        if (cb != null && !closed) {
            cb.done(status, body, failure);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            ByteBuf content = response.content();
            finish(response.status().code(), content.toString(StandardCharsets.UTF_8), null);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel) {
                finish(0, null, new IOException("connection closed by the server"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
            if (ctx.channel() == channel) {
                finish(0, null, cause);
            }
        }
    }

    void close() {
        closed = true;
        pending = null;
        if (channel != null) {
            channel.close();
        }
    }
}
