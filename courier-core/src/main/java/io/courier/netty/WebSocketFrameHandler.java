package io.courier.netty;

import io.courier.engine.EngineIoCloseReason;
import io.courier.engine.EngineIoSession;
import io.courier.engine.WebSocketTransport;
import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketDecoder;
import io.courier.engine.codec.EngineIoProtocolException;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns whole WebSocket messages (after {@code WebSocketFrameAggregator}) into Engine.IO packets for one session: each
 * text frame is one packet, each binary frame one binary message.
 */
final class WebSocketFrameHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(WebSocketFrameHandler.class);

    private final EngineIoSession session;
    private final WebSocketTransport transport;
    private boolean closed;

    WebSocketFrameHandler(EngineIoSession session, WebSocketTransport transport) {
        this.session = session;
        this.transport = transport;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (closed) {
                return;
            }
            if (msg instanceof TextWebSocketFrame text) {
                EngineIoPacket packet;
                try {
                    packet = EngineIoPacketDecoder.decodeText(text.text());
                } catch (EngineIoProtocolException e) {
                    log.debug("session {}: {}", session.sid(), e.getMessage());
                    fail(ctx, EngineIoCloseReason.PARSE_ERROR, WebSocketCloseStatus.PROTOCOL_ERROR);
                    return;
                }
                session.onWebSocketPacket(transport, packet);
            } else if (msg instanceof BinaryWebSocketFrame binary) {
                byte[] data = ByteBufUtil.getBytes(binary.content());
                session.onWebSocketPacket(transport, EngineIoPacket.binary(data));
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                closed = true;
                // RFC 6455 section 7.4: codes from 5000 up are not defined; Netty lets them through
                transport.closeWith(
                        close.statusCode() >= 5000
                                ? WebSocketCloseStatus.PROTOCOL_ERROR
                                : WebSocketCloseStatus.NORMAL_CLOSURE);
                session.onWebSocketClosed(transport, EngineIoCloseReason.TRANSPORT_CLOSE);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closed) {
            closed = true;
            session.onWebSocketClosed(transport, EngineIoCloseReason.TRANSPORT_CLOSE);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            log.info(
                    "session {} from {}: WebSocket message over maxHttpBufferSize {}",
                    session.sid(),
                    ctx.channel().remoteAddress(),
                    session.server().config().maxHttpBufferSize());
            fail(ctx, EngineIoCloseReason.TRANSPORT_ERROR, WebSocketCloseStatus.MESSAGE_TOO_BIG);
        } else if (cause instanceof CorruptedWebSocketFrameException e) {
            // the decoder leaves the close frame to us (closeOnProtocolViolation is off): 1002, or 1007 for bad UTF-8
            log.debug("session {}: {}", session.sid(), e.getMessage());
            fail(ctx, EngineIoCloseReason.TRANSPORT_ERROR, e.closeStatus());
        } else {
            log.debug("session {}: transport error: {}", session.sid(), cause.toString());
            fail(ctx, EngineIoCloseReason.TRANSPORT_ERROR, null);
        }
    }

    private void fail(ChannelHandlerContext ctx, EngineIoCloseReason reason, WebSocketCloseStatus status) {
        // our status goes out first; the session's own close of this transport then writes nothing more
        if (status != null) {
            transport.closeWith(status);
        } else {
            ctx.close();
        }
        if (!closed) {
            closed = true;
            session.onWebSocketClosed(transport, reason);
        }
    }
}
