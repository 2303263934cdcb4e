package io.courier.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.util.List;
import java.util.Map;

/** Engine.IO over one WebSocket: one packet per frame, text with its type digit, binary as raw bytes. */
final class WebSocketTransport implements Transport {
    private final ClientOptions options;
    private final EventLoop loop;
    private final Events events;
    private String sid;
    private Channel channel;
    private boolean writable;
    private boolean closed;

    WebSocketTransport(ClientOptions options, EventLoop loop, String sid, Events events) {
        this.options = options;
        this.loop = loop;
        this.sid = sid;
        this.events = events;
    }

    @Override
    public String name() {
        return "websocket";
    }

    @Override
    public void sid(String sid) {
        this.sid = sid;
    }

    @Override
    public void open() {
        URI uri = options.engineUri("websocket", sid, true);
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        for (Map.Entry<String, String> h : options.extraHeaders.entrySet()) {
            headers.add(h.getKey(), h.getValue());
        }
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .customHeaders(headers)
                .maxFramePayloadLength(options.maxMessageBytes)
                .handshakeTimeoutMillis(options.connectTimeout.toMillis())
                .dropPongFrames(true)
                .build();
        ChannelFuture f = options.connect(loop, pipeline -> pipeline.addLast(new HttpClientCodec())
                .addLast(new HttpObjectAggregator(65536))
                .addLast(new WebSocketClientProtocolHandler(config))
                .addLast(new WebSocketFrameAggregator(options.maxMessageBytes))
                .addLast(new Handler()));
        channel = f.channel();
        f.addListener(done -> {
            if (!done.isSuccess()) {
                fail("transport error", done.cause());
            }
        });
    }

    private final class Handler extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                if (!closed) {
                    writable = true;
                    events.onTransportOpen(WebSocketTransport.this);
                }
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                fail("transport error", new java.util.concurrent.TimeoutException("WebSocket handshake timed out"));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (closed) {
                return;
            }
            EnginePacket p;
            try {
                if (frame instanceof TextWebSocketFrame) {
                    p = EnginePacket.decodeText(((TextWebSocketFrame) frame).text());
                } else if (frame instanceof BinaryWebSocketFrame) {
                    p = EnginePacket.binary(ByteBufUtil.getBytes(frame.content()));
                } else {
                    return;
                }
            } catch (ProtocolException e) {
                fail("parse error", e);
                return;
            }
            events.onPacket(WebSocketTransport.this, p);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail("transport close", null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail("transport error", cause);
        }
    }

    private void fail(String reason, Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        writable = false;
        if (channel != null) {
            channel.close();
        }
        events.onTransportError(this, reason, cause);
    }

    @Override
    public boolean writable() {
        return writable && !closed;
    }

    @Override
    public void send(List<EnginePacket> packets) {
        writable = false;
        ChannelFuture last = null;
        for (EnginePacket p : packets) {
            WebSocketFrame frame;
            if (p.isBinary()) {
                frame = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(p.binary));
            } else {
                ByteBuf text = ByteBufUtil.writeUtf8(channel.alloc(), p.encodeText());
                frame = new TextWebSocketFrame(text);
            }
            last = channel.write(frame);
        }
        channel.flush();
        if (last == null) {
            writable = true;
            return;
        }
        last.addListener(done -> {
            if (closed) {
                return;
            }
            if (done.isSuccess()) {
                writable = true;
                events.onDrain(this);
            } else {
                fail("transport error", done.cause());
            }
        });
    }

    @Override
    public void pause(Runnable onPaused) {
        onPaused.run();
    }

    @Override
    public void resume() {
        // a WebSocket is never left paused
    }

    @Override
    public void close(boolean sayGoodbye) {
        closed = true;
        writable = false;
        if (channel != null) {
            channel.close();
        }
    }
}
