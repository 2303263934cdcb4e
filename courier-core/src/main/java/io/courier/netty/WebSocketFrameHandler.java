package io.courier.netty;

import io.courier.engine.EngineIoCloseReason;
import io.courier.engine.EngineIoSession;
import io.courier.engine.WebSocketTransport;
import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketDecoder;
import io.courier.engine.codec.EngineIoProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns WebSocket messages into Engine.IO packets for one session: each text message is one packet, each binary message
 * one binary message. Gathers fragmented messages up to maxHttpBufferSize (close 1009 beyond it) and checks that text
 * is valid UTF-8 (close 1007), so the pipeline needs no aggregator or validator stage of its own.
 *
 * <p>It is also the connection's frame decoder (Netty's, which it extends): each frame is handled as soon as it is
 * decoded, so an idle connection keeps one inbound stage, not two. Frames that reach it already decoded are handled
 * the same way: with permessage-deflate, Netty's decoder and the {@link PerMessageDeflateCodec} stand before it. {@link WebSocketUpgrade} installs it unbound; {@link #bind} gives it its
 * session once that exists, in the same event loop task, before any frame can arrive.
 */
final class WebSocketFrameHandler extends WebSocket13FrameDecoder {
    private static final Logger log = LoggerFactory.getLogger(WebSocketFrameHandler.class);

    private EngineIoSession session;
    private WebSocketTransport transport;
    private boolean closed;
    private CompositeByteBuf fragments; // a fragmented message being gathered, up to maxHttpBufferSize
    private boolean fragmentsText;

    WebSocketFrameHandler(WebSocketDecoderConfig config) {
        super(config);
    }

    /** The session whose messages these are; on the channel's loop, right after the upgrade. */
    void bind(EngineIoSession session, WebSocketTransport transport) {
        this.session = session;
        this.transport = transport;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decode(ctx, in, out);
        if (!out.isEmpty()) {
            // handled here, not passed on: ByteToMessageDecoder then reads on while the input shrinks
            for (int i = 0; i < out.size(); i++) {
                onFrame(ctx, out.get(i));
            }
            out.clear();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof WebSocketFrame) {
            onFrame(ctx, msg); // decoded by a stage before this one
        } else {
            super.channelRead(ctx, msg);
        }
    }

    private void onFrame(ChannelHandlerContext ctx, Object msg) {
        try {
            if (closed) {
                // we sent our close frame and are dropping the rest; the client's close frame completes the handshake
                if (msg instanceof CloseWebSocketFrame) {
                    transport.answerClose(WebSocketCloseStatus.NORMAL_CLOSURE);
                }
                return;
            }
            if (msg instanceof WebSocketFrame f && f.rsv() != 0) {
                // only with permessage-deflate does the decoder let RSV bits through; its codec clears the RSV1 it
                // handled, and any other use of them is a protocol violation
                log.info(
                        "session {} from {}: WebSocket frame with reserved bits {} set; closing with 1002",
                        session.sid(),
                        ctx.channel().remoteAddress(),
                        f.rsv());
                fail(ctx, EngineIoCloseReason.TRANSPORT_ERROR, WebSocketCloseStatus.PROTOCOL_ERROR);
                return;
            }
            if (msg instanceof ContinuationWebSocketFrame cont) {
                // Netty's decoder has already refused a continuation outside a fragmented message
                if (!append(ctx, cont.content()) || !cont.isFinalFragment()) {
                    return;
                }
                ByteBuf whole = fragments;
                fragments = null;
                try {
                    onMessage(ctx, whole, fragmentsText);
                } finally {
                    whole.release();
                }
            } else if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                WebSocketFrame frame = (WebSocketFrame) msg;
                boolean text = msg instanceof TextWebSocketFrame;
                if (frame.isFinalFragment()) {
                    onMessage(ctx, frame.content(), text);
                } else {
                    fragments = ctx.alloc().compositeBuffer();
                    fragmentsText = text;
                    append(ctx, frame.content());
                }
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                closed = true;
                // RFC 6455 section 7.4: codes from 5000 up are not defined; Netty lets them through
                transport.answerClose(
                        close.statusCode() >= 5000
                                ? WebSocketCloseStatus.PROTOCOL_ERROR
                                : WebSocketCloseStatus.NORMAL_CLOSURE);
                session.onWebSocketClosed(transport, EngineIoCloseReason.TRANSPORT_CLOSE);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Adds a fragment; false (and the connection failed with 1009) when the message grows past the limit. */
    private boolean append(ChannelHandlerContext ctx, ByteBuf content) {
        int max = session.server().config().maxHttpBufferSize();
        if ((long) fragments.readableBytes() + content.readableBytes() > max) {
            fragments.release();
            fragments = null;
            tooBig(ctx);
            return false;
        }
        fragments.addComponent(true, content.retain());
        return true;
    }

    private void onMessage(ChannelHandlerContext ctx, ByteBuf content, boolean text) {
        if (!text) {
            session.onWebSocketPacket(transport, EngineIoPacket.binary(ByteBufUtil.getBytes(content)));
            return;
        }
        int at = content.readerIndex();
        int length = content.readableBytes();
        byte first = length > 0 ? content.getByte(at) : 0;
        // The type digit is ASCII: only the text after it becomes a string (anything else decodes as a whole frame;
        // an ASCII byte is never part of a multi-byte sequence, so the rest is valid UTF-8 iff the whole is). Decoding
        // replaces malformed input with U+FFFD, so a text without one was valid: the strict byte-by-byte check runs
        // only for a text that holds U+FFFD, encoded or substituted (indexOf is a vectorised scan, and free on an
        // all-Latin-1 string).
        String decoded = first > 0
                ? content.toString(at + 1, length - 1, StandardCharsets.UTF_8)
                : content.toString(StandardCharsets.UTF_8);
        if (decoded.indexOf('\uFFFD') >= 0 && !ByteBufUtil.isText(content, StandardCharsets.UTF_8)) {
            log.info(
                    "session {} from {}: WebSocket text message is not valid UTF-8; closing with 1007",
                    session.sid(),
                    ctx.channel().remoteAddress());
            fail(ctx, EngineIoCloseReason.TRANSPORT_ERROR, WebSocketCloseStatus.INVALID_PAYLOAD_DATA);
            return;
        }
        EngineIoPacket packet;
        try {
            packet = first > 0
                    ? EngineIoPacketDecoder.decodeText(first, decoded)
                    : EngineIoPacketDecoder.decodeText(decoded);
        } catch (EngineIoProtocolException e) {
            log.info(
                    "session {} from {}: malformed Engine.IO packet over WebSocket: {}; closing with 1002",
                    session.sid(),
                    ctx.channel().remoteAddress(),
                    e.getMessage());
            fail(ctx, EngineIoCloseReason.PARSE_ERROR, WebSocketCloseStatus.PROTOCOL_ERROR);
            return;
        }
        session.onWebSocketPacket(transport, packet);
    }

    private void tooBig(ChannelHandlerContext ctx) {
        log.info(
                "session {} from {}: WebSocket message over maxHttpBufferSize {}; closing with 1009",
                session.sid(),
                ctx.channel().remoteAddress(),
                session.server().config().maxHttpBufferSize());
        fail(ctx, EngineIoCloseReason.TRANSPORT_ERROR, WebSocketCloseStatus.MESSAGE_TOO_BIG);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelInactive(ctx); // the frames still in the input first
        } finally {
            if (fragments != null) {
                fragments.release();
                fragments = null;
            }
            if (!closed && session != null) {
                closed = true;
                session.onWebSocketClosed(transport, EngineIoCloseReason.TRANSPORT_CLOSE);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (session == null) {
            ctx.close(); // failed before it had a session: nothing to tell
            return;
        }
        if (closed) {
            // our close frame is out and the rest of the input is being dropped: a frame the decoder refuses now
            // changes nothing, anything else ends the connection
            if (!(cause instanceof TooLongFrameException) && !(cause instanceof CorruptedWebSocketFrameException)) {
                ctx.close();
            }
            return;
        }
        if (cause instanceof TooLongFrameException
                || (cause instanceof CorruptedWebSocketFrameException e
                        && e.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code())) {
            // the decoder refuses a frame longer than maxHttpBufferSize from its header alone
            tooBig(ctx);
        } else if (cause instanceof CorruptedWebSocketFrameException e) {
            // the decoder leaves the close frame to us (closeOnProtocolViolation is off): 1002, or 1007 for bad UTF-8
            log.info(
                    "session {} from {}: WebSocket protocol violation: {}; closing with {}",
                    session.sid(),
                    ctx.channel().remoteAddress(),
                    e.getMessage(),
                    e.closeStatus().code());
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
