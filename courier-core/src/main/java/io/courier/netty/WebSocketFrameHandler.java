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
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
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
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.nio.ByteOrder;
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
 * decoded, so an idle connection keeps one inbound stage, not two. Whole text and binary frames, what clients send
 * most, it reads itself ({@link #readWholeFrames}); every other frame goes through Netty's decoder. Frames that reach
 * it already decoded are handled the same way: with permessage-deflate, Netty's decoder and the
 * {@link PerMessageDeflateCodec} stand before it. {@link WebSocketUpgrade} installs it unbound; {@link #bind} gives it
 * its session once that exists, in the same event loop task, before any frame can arrive.
 *
 * <p>Without permessage-deflate it is the connection's frame encoder as well: Netty frames written to the channel are
 * encoded here, and the transport writes encoded frames from its place ({@link WebSocketTransport}), so that the
 * connection needs no encoder stage of its own (a context, 64 bytes, on every idle connection). With it, the frames
 * pass on to the codec and to the encoder stage in front of the pipeline.
 */
final class WebSocketFrameHandler extends WebSocket13FrameDecoder implements WebSocketFrameEncoder {
    private static final Logger log = LoggerFactory.getLogger(WebSocketFrameHandler.class);

    private EngineIoSession session;
    private WebSocketTransport transport;
    private boolean closed;
    private CompositeByteBuf fragments; // a fragmented message being gathered, up to maxHttpBufferSize
    private boolean fragmentsText;
    /** Netty's decoder holds part of a frame (it consumed header bytes): the next bytes are not a frame's start. */
    private boolean midFrame;

    private final int maxFramePayload;
    /** Whether it encodes the frames written to the channel (no permessage-deflate), else passes them on. */
    private final boolean encodes;

    /** Where {@link #readWholeFrames} unmasks a frame's payload: one per thread, as big as the largest frame it takes. */
    private static final FastThreadLocal<ByteBuf> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected ByteBuf initialValue() {
            return Unpooled.wrappedBuffer(new byte[0xFFFF]);
        }
    };

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    WebSocketFrameHandler(WebSocketDecoderConfig config, boolean encodes) {
        super(config);
        this.maxFramePayload = config.maxFramePayloadLength();
        this.encodes = encodes;
    }

    /** The session whose messages these are; on the channel's loop, right after the upgrade. */
    void bind(EngineIoSession session, WebSocketTransport transport) {
        this.session = session;
        this.transport = transport;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (!midFrame && fragments == null && !closed && session != null) {
            readWholeFrames(ctx, in);
            if (!in.isReadable()) {
                return;
            }
        }
        int before = in.readerIndex();
        super.decode(ctx, in, out);
        if (out.isEmpty()) {
            midFrame |= in.readerIndex() != before;
            return;
        }
        midFrame = false; // the decoder hands a frame over once it read all of it
        // handled here, not passed on: ByteToMessageDecoder then reads on while the input shrinks
        for (int i = 0; i < out.size(); i++) {
            onFrame(ctx, out.get(i));
        }
        out.clear();
    }

    /**
     * The fast path for what clients send most: whole, unfragmented, masked text and binary frames up to 64 KiB at the
     * start of the input are unmasked into this thread's scratch buffer and handled from there, with no frame object
     * and no pooled buffer each. Anything else (another opcode, reserved bits, a frame not yet complete, a length over
     * the limit or not minimally encoded) is left, from its first byte, to Netty's decoder, which accepts or refuses it
     * as it always does.
     */
    private void readWholeFrames(ChannelHandlerContext ctx, ByteBuf in) {
        while (!closed && !ctx.isRemoved() && in.readableBytes() >= 6) {
            int at = in.readerIndex();
            int b0 = in.getUnsignedByte(at);
            int b1 = in.getUnsignedByte(at + 1);
            if ((b0 != 0x81 && b0 != 0x82) || (b1 & 0x80) == 0) {
                return; // not FIN + text or binary without reserved bits, or not masked
            }
            int length = b1 & 0x7f;
            int header = 6;
            if (length == 126) {
                if (in.readableBytes() < 8) {
                    return;
                }
                length = in.getUnsignedShort(at + 2);
                header = 8;
                if (length < 126) {
                    return; // not the minimal encoding: the decoder refuses it
                }
            } else if (length == 127) {
                return;
            }
            if (length > maxFramePayload || in.readableBytes() < header + length) {
                return;
            }
            ByteBuf payload = SCRATCH.get();
            byte[] bytes = payload.array();
            in.getBytes(at + header, bytes, 0, length);
            unmask(bytes, in.getInt(at + header - 4), length);
            in.readerIndex(at + header + length);
            onMessage(ctx, payload, 0, length, b0 == 0x81);
        }
    }

    /** XORs the first {@code length} bytes with the frame's masking key (RFC 6455 section 5.3). */
    private static void unmask(byte[] bytes, int key, int length) {
        long wide = (key & 0xFFFFFFFFL) << 32 | (key & 0xFFFFFFFFL);
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            LONGS.set(bytes, i, (long) LONGS.get(bytes, i) ^ wide);
        }
        for (; i < length; i++) {
            bytes[i] ^= (byte) (key >>> (24 - 8 * (i & 3)));
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
                    onMessage(ctx, whole, whole.readerIndex(), whole.readableBytes(), fragmentsText);
                } finally {
                    whole.release();
                }
            } else if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                WebSocketFrame frame = (WebSocketFrame) msg;
                boolean text = msg instanceof TextWebSocketFrame;
                if (frame.isFinalFragment()) {
                    ByteBuf content = frame.content();
                    onMessage(ctx, content, content.readerIndex(), content.readableBytes(), text);
                } else {
                    fragments = ctx.alloc().compositeBuffer();
                    fragmentsText = text;
                    append(ctx, frame.content());
                }
            } else if (msg instanceof PingWebSocketFrame ping) {
                // from the tail: a frame written from this stage would pass its encoder by
                ctx.channel()
                        .writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
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

    /** Handles the message in {@code length} bytes of {@code content} from index {@code at}. */
    private void onMessage(ChannelHandlerContext ctx, ByteBuf content, int at, int length, boolean text) {
        if (!text) {
            session.onWebSocketPacket(transport, EngineIoPacket.binary(ByteBufUtil.getBytes(content, at, length)));
            return;
        }
        byte first = length > 0 ? content.getByte(at) : 0;
        // The type digit is ASCII: only the text after it becomes a string (anything else decodes as a whole frame;
        // an ASCII byte is never part of a multi-byte sequence, so the rest is valid UTF-8 iff the whole is). Decoding
        // replaces malformed input with U+FFFD, so a text without one was valid: the strict byte-by-byte check runs
        // only for a text that holds U+FFFD, encoded or substituted (indexOf is a vectorised scan, and free on an
        // all-Latin-1 string).
        String decoded = first > 0
                ? content.toString(at + 1, length - 1, StandardCharsets.UTF_8)
                : content.toString(at, length, StandardCharsets.UTF_8);
        if (decoded.indexOf('\uFFFD') >= 0 && !ByteBufUtil.isText(content, at, length, StandardCharsets.UTF_8)) {
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

    // ---------------------------------------------------------------- outbound: the frame encoder, or passing on

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (encodes) {
            WebSocketUpgrade.FRAME_ENCODER.write(ctx, msg, promise); // frames encoded, anything else passed on
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.close(promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(
            ChannelHandlerContext ctx,
            SocketAddress remoteAddress,
            SocketAddress localAddress,
            ChannelPromise promise) {
        ctx.connect(remoteAddress, localAddress, promise);
    }
}
