package io.courier.netty;

import io.courier.engine.EngineIoStats;
import io.courier.engine.PerMessageDeflate;
import io.courier.engine.WebSocketTransport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionUtil;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * permessage-deflate (RFC 7692) on one WebSocket connection that negotiated it: one pipeline stage between Netty's
 * frame codec and {@link WebSocketFrameHandler}, installed by {@link WebSocketUpgrade} only for such connections.
 *
 * <p>Outbound, each whole text or binary message of at least the threshold is compressed with this connection's
 * deflater (context takeover: against the messages before it) and sent with RSV1; smaller ones, and those of packets
 * emitted with {@code compress(false)} ({@link WebSocketTransport#compressible}), go out as they are. A broadcast's
 * frames wrap bytes shared by all recipients; the compressed copy is made here, per connection.
 *
 * <p>Inbound, a message whose first frame has RSV1 is inflated frame by frame, at most {@code maxMessageBytes} in all
 * (a small compressed message can inflate to gigabytes): one byte more stops inflating and fails the connection with
 * a {@link TooLongFrameException}, which {@link WebSocketFrameHandler} answers with close 1009; data that does not
 * inflate fails it with 1007. RSV1 is cleared on the frames passed on; any other RSV bit is left for {@link
 * WebSocketFrameHandler} to refuse.
 */
final class PerMessageDeflateCodec extends ChannelDuplexHandler {
    static final String EXTENSION = "permessage-deflate";

    /** RFC 7692 section 7.2.1: a sync flush ends with these four bytes; the sender drops them, the receiver adds them. */
    private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    private final PerMessageDeflate settings;
    private final Agreement agreement;
    private final int maxMessageBytes;
    private final EngineIoStats stats;
    private Deflater deflater; // while in use; kept between messages with context takeover
    private Inflater inflater;
    private boolean inflating; // inside a fragmented compressed message
    private long inflatedBytes; // of the current compressed message
    private boolean failed; // the input is broken: drop the rest
    private boolean ended; // the channel is gone and zlib's memory freed

    PerMessageDeflateCodec(PerMessageDeflate settings, Agreement agreement, int maxMessageBytes, EngineIoStats stats) {
        this.settings = settings;
        this.agreement = agreement;
        this.maxMessageBytes = maxMessageBytes;
        this.stats = stats;
    }

    /**
     * What both ends agreed on.
     *
     * @param serverNoContextTakeover we compress each message on its own
     * @param clientNoContextTakeover the client compresses each message on its own
     * @param clientMaxWindowBits the client's window as we limited it, or 0 when the response does not say
     */
    record Agreement(boolean serverNoContextTakeover, boolean clientNoContextTakeover, int clientMaxWindowBits) {
        /** The value of the response's {@code Sec-WebSocket-Extensions} header. */
        String responseHeader() {
            StringBuilder sb = new StringBuilder(EXTENSION);
            if (serverNoContextTakeover) {
                sb.append("; server_no_context_takeover");
            }
            if (clientNoContextTakeover) {
                sb.append("; client_no_context_takeover");
            }
            if (clientMaxWindowBits != 0) {
                sb.append("; client_max_window_bits=").append(clientMaxWindowBits);
            }
            return sb.toString();
        }
    }

    /**
     * Picks the first permessage-deflate offer of a {@code Sec-WebSocket-Extensions} header we can accept (RFC 7692
     * section 5); null when there is none, and the connection is made without compression.
     */
    static Agreement negotiate(String offers, PerMessageDeflate settings) {
        if (offers == null || settings == null) {
            return null;
        }
        java.util.List<WebSocketExtensionData> parsed;
        try {
            parsed = WebSocketExtensionUtil.extractExtensions(offers);
        } catch (RuntimeException e) {
            return null; // a header we cannot parse offers nothing
        }
        for (WebSocketExtensionData offer : parsed) {
            if (EXTENSION.equalsIgnoreCase(offer.name())) {
                Agreement a = accept(offer.parameters(), settings);
                if (a != null) {
                    return a;
                }
            }
        }
        return null;
    }

    private static Agreement accept(Map<String, String> params, PerMessageDeflate settings) {
        boolean serverNoContext = settings.serverNoContextTakeover();
        int clientBits = 0;
        for (Map.Entry<String, String> p : params.entrySet()) {
            String name = p.getKey().toLowerCase(Locale.ROOT);
            String value = unquote(p.getValue());
            switch (name) {
                case "server_no_context_takeover" -> {
                    if (value != null) {
                        return null;
                    }
                    serverNoContext = true;
                }
                case "client_no_context_takeover" -> {
                    if (value != null) {
                        return null;
                    }
                }
                case "server_max_window_bits" -> {
                    // the JDK's deflater always uses a 15-bit window: a smaller limit is one we cannot keep
                    if (windowBits(value) != 15) {
                        return null;
                    }
                }
                case "client_max_window_bits" -> {
                    int offered = value == null ? 15 : windowBits(value);
                    if (offered < 0) {
                        return null;
                    }
                    int ours = Math.min(offered, settings.clientMaxWindowBits());
                    // a value-less offer only says the client can take a limit; say one only if it limits
                    clientBits = ours < 15 || value != null ? ours : 0;
                }
                default -> {
                    return null;
                }
            }
        }
        return new Agreement(serverNoContext, settings.clientNoContextTakeover(), clientBits);
    }

    private static String unquote(String v) {
        return v != null && v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")
                ? v.substring(1, v.length() - 1)
                : v;
    }

    /** 8-15, or -1 for anything else. */
    private static int windowBits(String value) {
        if (value == null || value.length() > 2 || value.isEmpty()) {
            return -1;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return -1;
            }
        }
        int bits = Integer.parseInt(value);
        return bits >= 8 && bits <= 15 ? bits : -1;
    }

    // ---- inbound ----------------------------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed
                && (msg instanceof TextWebSocketFrame
                        || msg instanceof BinaryWebSocketFrame
                        || msg instanceof ContinuationWebSocketFrame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
            WebSocketFrame frame = (WebSocketFrame) msg;
            inflating = (frame.rsv() & WebSocketExtension.RSV1) != 0;
            inflatedBytes = 0;
            if (inflating) {
                inflate(ctx, frame);
                return;
            }
        } else if (msg instanceof ContinuationWebSocketFrame frame && inflating) {
            inflate(ctx, frame);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void inflate(ChannelHandlerContext ctx, WebSocketFrame frame) {
        long allowed = maxMessageBytes - inflatedBytes; // >= 0
        ByteBuf content = frame.content();
        int limit = (int) Math.min(Integer.MAX_VALUE - 8, allowed + 1); // one byte over the allowance: too big
        ByteBuf out =
                ctx.alloc().heapBuffer((int) Math.min(limit, Math.max(256L, 4L * content.readableBytes())), limit);
        boolean last = frame.isFinalFragment();
        try {
            if (inflater == null) {
                inflater = new Inflater(true);
            }
            for (ByteBuffer part : content.nioBuffers()) {
                inflater.setInput(part);
                drain(out, limit);
            }
            if (last) {
                inflater.setInput(TAIL);
                drain(out, limit);
            }
        } catch (DataFormatException | RuntimeException e) {
            out.release();
            frame.release();
            fail(
                    ctx,
                    e instanceof DataFormatException
                            ? new CorruptedWebSocketFrameException(
                                    WebSocketCloseStatus.INVALID_PAYLOAD_DATA,
                                    "invalid compressed data: " + e.getMessage())
                            : e);
            return;
        }
        inflatedBytes += out.readableBytes();
        // RSV1 marks the first frame of a compressed message only; a continuation keeps its bits for the handler
        int rsv = frame instanceof ContinuationWebSocketFrame ? frame.rsv() : frame.rsv() & ~WebSocketExtension.RSV1;
        WebSocketFrame plain;
        if (frame instanceof TextWebSocketFrame) {
            plain = new TextWebSocketFrame(last, rsv, out);
        } else if (frame instanceof BinaryWebSocketFrame) {
            plain = new BinaryWebSocketFrame(last, rsv, out);
        } else {
            plain = new ContinuationWebSocketFrame(last, rsv, out);
        }
        frame.release();
        if (last) {
            inflating = false;
            stats.inflated();
            if (agreement.clientNoContextTakeover() || inflater.finished()) {
                // a stream the client ended (BFINAL) starts again; without context takeover each message does
                endInflater();
            }
        }
        ctx.fireChannelRead(plain);
    }

    /** Inflates the current input into {@code out}, which may grow to {@code limit}; reaching it is too big. */
    private void drain(ByteBuf out, int limit) throws DataFormatException {
        while (!inflater.finished()) {
            if (!out.isWritable()) {
                if (out.writerIndex() >= limit) {
                    throw new TooLongFrameException("compressed WebSocket message inflates past " + maxMessageBytes
                            + " bytes (maxHttpBufferSize)");
                }
                out.ensureWritable(Math.min(out.capacity(), limit - out.writerIndex()));
            }
            int n = inflater.inflate(out.array(), out.arrayOffset() + out.writerIndex(), out.writableBytes());
            out.writerIndex(out.writerIndex() + n);
            if (n == 0 && out.isWritable()) {
                if (inflater.needsDictionary()) {
                    throw new DataFormatException("a preset dictionary is not part of permessage-deflate");
                }
                return; // needs input
            }
        }
        if (out.writerIndex() >= limit) {
            throw new TooLongFrameException(
                    "compressed WebSocket message inflates past " + maxMessageBytes + " bytes (maxHttpBufferSize)");
        }
    }

    private void fail(ChannelHandlerContext ctx, Throwable e) {
        failed = true;
        endInflater();
        ctx.fireExceptionCaught(e);
    }

    // ---- outbound ---------------------------------------------------------------------------------------------

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!ended && msg instanceof WebSocketFrame frame && compresses(frame)) {
            ByteBuf out;
            int raw = frame.content().readableBytes();
            try {
                out = deflate(ctx, frame.content());
            } finally {
                frame.release();
            }
            stats.deflated(raw, out.readableBytes());
            int rsv = frame.rsv() | WebSocketExtension.RSV1;
            ctx.write(
                    frame instanceof TextWebSocketFrame
                            ? new TextWebSocketFrame(true, rsv, out)
                            : new BinaryWebSocketFrame(true, rsv, out),
                    promise);
            return;
        }
        ctx.write(msg, promise);
    }

    /** Whole data messages of at least the threshold, not marked compress(false), with no RSV bit of another use. */
    private boolean compresses(WebSocketFrame frame) {
        return (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame)
                && frame.isFinalFragment()
                && frame.rsv() == 0
                && frame.content().readableBytes() >= settings.threshold()
                && WebSocketTransport.compressible(frame);
    }

    private ByteBuf deflate(ChannelHandlerContext ctx, ByteBuf in) {
        if (deflater == null) {
            deflater = new Deflater(settings.level(), true);
        }
        if (in.hasArray()) {
            deflater.setInput(in.array(), in.arrayOffset() + in.readerIndex(), in.readableBytes());
        } else {
            deflater.setInput(in.nioBuffer());
        }
        ByteBuf out = ctx.alloc().heapBuffer(Math.max(64, in.readableBytes() / 2));
        while (true) {
            if (out.writableBytes() < 16) {
                out.ensureWritable(Math.max(64, out.capacity() / 2));
            }
            int room = out.writableBytes();
            int n = deflater.deflate(out.array(), out.arrayOffset() + out.writerIndex(), room, Deflater.SYNC_FLUSH);
            out.writerIndex(out.writerIndex() + n);
            if (n < room) {
                break; // all input consumed and flushed (Deflater.deflate: call again only while it fills the room)
            }
        }
        // section 7.2.1: remove the 0x00 0x00 0xff 0xff the sync flush ended with
        out.writerIndex(out.writerIndex() - TAIL.length);
        if (agreement.serverNoContextTakeover()) {
            deflater.end();
            deflater = null;
        }
        return out;
    }

    // ---- lifecycle --------------------------------------------------------------------------------------------

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        end();
    }

    /** Frees zlib's native memory now rather than when the collector finds it. */
    private void end() {
        ended = true;
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
        endInflater();
    }

    private void endInflater() {
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }
}
