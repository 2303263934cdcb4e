package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.Collection;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket connection carrying a session (or probing to become its transport). Each packet is one frame. On a
 * connection without permessage-deflate, written from its own loop, the frame is encoded once for all
 * the loop's connections that get the same packet ({@link OutboundTurn}) and written as bytes from the frame
 * encoder's place in the pipeline (the stages between it and the tail handle no bytes); elsewhere the packet's bytes
 * are wrapped in a Netty frame written to the channel. On the channel's loop, a write is flushed at once when no
 * other task is queued on the loop, else once per connection at the end of the loop's turn, so that what the queued
 * tasks write to the same connection leaves in the same system call.
 */
public final class WebSocketTransport implements Transport {
    /** How long a connection we closed may still send (what it sends is dropped) before it is closed regardless. */
    public static final long CLOSE_DRAIN_MILLIS = 3000;

    private final Channel channel;
    /** The frame encoder's context, where encoded frames are written; null: write Netty frames to the channel. */
    private final ChannelHandlerContext bytesOut;

    private boolean closeSent; // owner loop or channel loop; a second close frame is never written
    private boolean flushPending; // the channel's loop only: queued in its OutboundTurn for the end of the turn

    /** A connection without permessage-deflate. */
    public WebSocketTransport(Channel channel) {
        this(channel, false);
    }

    /**
     * @param deflate whether the connection negotiated permessage-deflate (its pipeline compresses Netty frames, so
     *     frames are written as such, never as encoded bytes)
     */
    public WebSocketTransport(Channel channel, boolean deflate) {
        this.channel = channel;
        this.bytesOut = deflate ? null : channel.pipeline().context(WebSocketFrameEncoder.class);
    }

    Channel channel() {
        return channel;
    }

    @Override
    public String name() {
        return EngineIoConfig.WEBSOCKET;
    }

    @Override
    public boolean writable() {
        return channel.isWritable();
    }

    @Override
    public void send(Collection<EngineIoPacket> packets) {
        OutboundTurn turn = OutboundTurn.of(channel.eventLoop());
        if (turn == null) {
            for (EngineIoPacket p : packets) {
                channel.write(frame(p), channel.voidPromise());
            }
            channel.flush();
            return;
        }
        boolean later = turn.moreTasksQueued();
        ChannelHandlerContext out = bytesOut;
        if (out != null && !out.isRemoved()) {
            int left = packets.size();
            for (EngineIoPacket p : packets) {
                ByteBuf frame = turn.frame(p, out.alloc());
                if (--left == 0 && !later) {
                    out.writeAndFlush(frame, out.voidPromise());
                } else {
                    out.write(frame, out.voidPromise());
                }
            }
        } else {
            for (EngineIoPacket p : packets) {
                channel.write(frame(p), channel.voidPromise());
            }
            if (!later) {
                channel.flush();
            }
        }
        if (later && !flushPending) {
            if (turn.flushLater(this)) {
                flushPending = true;
            } else {
                flushNow();
            }
        }
    }

    /** The end of the loop's turn ({@link OutboundTurn}): writes what this turn queued. */
    void flushNow() {
        flushPending = false;
        ChannelHandlerContext out = bytesOut;
        if (out != null && !out.isRemoved()) {
            out.flush();
        } else {
            channel.flush();
        }
    }

    /**
     * Sends one text frame of {@code head}, the ASCII characters of {@code middle} and {@code tail}, flushed: on the
     * channel's loop, written straight into one buffer from the frame encoder's place (as {@link #send} does), with no
     * array of the whole text first. The open packet is sent so: only its sid differs from one handshake to the next.
     */
    void sendText(byte[] head, String middle, byte[] tail) {
        int length = head.length + middle.length() + tail.length;
        ChannelHandlerContext out = bytesOut;
        if (out != null && !out.isRemoved() && channel.eventLoop().inEventLoop()) {
            ByteBuf frame = OutboundTurn.frameHeader(false, length, out.alloc());
            out.writeAndFlush(writeText(frame, head, middle, tail), out.voidPromise());
        } else {
            ByteBuf text = writeText(Unpooled.buffer(length, length), head, middle, tail);
            channel.writeAndFlush(new TextWebSocketFrame(text), channel.voidPromise());
        }
    }

    private static ByteBuf writeText(ByteBuf out, byte[] head, String middle, byte[] tail) {
        out.writeBytes(head);
        ByteBufUtil.writeAscii(out, middle);
        return out.writeBytes(tail);
    }

    /** The frame of one packet, wrapping its shared bytes; marked {@link #compressible} false for compress(false). */
    private static WebSocketFrame frame(EngineIoPacket p) {
        ByteBuf content = Unpooled.wrappedBuffer(p.isBinary() ? p.binary() : p.textFrameBytes());
        if (p.compress()) {
            return p.isBinary() ? new BinaryWebSocketFrame(content) : new TextWebSocketFrame(content);
        }
        return p.isBinary() ? new UncompressedBinaryFrame(content) : new UncompressedTextFrame(content);
    }

    /**
     * Whether a connection that negotiated permessage-deflate may compress this frame: false for the frames of packets
     * sent with {@code compress(false)}.
     */
    public static boolean compressible(WebSocketFrame frame) {
        return !(frame instanceof UncompressedTextFrame) && !(frame instanceof UncompressedBinaryFrame);
    }

    private static final class UncompressedTextFrame extends TextWebSocketFrame {
        UncompressedTextFrame(ByteBuf content) {
            super(content);
        }
    }

    private static final class UncompressedBinaryFrame extends BinaryWebSocketFrame {
        UncompressedBinaryFrame(ByteBuf content) {
            super(content);
        }
    }

    @Override
    public long pendingBytes() {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    @Override
    public void close(EngineIoPacket last) {
        closeWith(WebSocketCloseStatus.NORMAL_CLOSURE);
    }

    /**
     * Starts the closing handshake: one close frame with {@code status} (only the first call sends one), then the end
     * of our output (TCP FIN, after a TLS close_notify). What the client still sends meanwhile, such as the rest of an
     * oversized frame, is read and dropped until it closes its side, at most {@value #CLOSE_DRAIN_MILLIS} ms: closing
     * with unread input would answer the client with a TCP reset, and it might never read the close frame.
     */
    public synchronized void closeWith(WebSocketCloseStatus status) {
        if (startClosing()) {
            channel.writeAndFlush(new CloseWebSocketFrame(status)).addListener(this::endOutputOnceWritten);
        }
    }

    /**
     * Ends the connection without a close frame, for a server shutting down: what was written before goes out, then
     * the end of our output (TCP FIN), and what the client still sends is dropped, as after {@link #closeWith}. Its
     * clients should reconnect (to another node) at once, and the official Java client (2.1, on OkHttp) stops reading
     * after a close frame it never answers: it would notice only at its ping timeout (45 s with the defaults), while
     * the end of the stream it notices at once ("transport error"). Other clients see "transport close" either way.
     */
    public synchronized void endWithoutCloseFrame() {
        if (startClosing()) {
            // completes once everything written before it has been written: only then may our output end
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(this::endOutputOnceWritten);
        }
    }

    /** Marks the close as sent; true if this call is the first and the channel is open (the caller writes its last). */
    private boolean startClosing() {
        if (closeSent) {
            return false;
        }
        closeSent = true;
        if (!channel.isActive()) {
            channel.close();
            return false;
        }
        return true;
    }

    private void endOutputOnceWritten(Future<?> written) {
        if (written.isSuccess() && channel instanceof DuplexChannel duplex) {
            endOutputAndDrain(duplex);
        } else {
            channel.close(); // nothing to half-close (an in-process channel), or the write failed
        }
    }

    /**
     * The client sent its close frame: answers it with {@code status} (unless we started the handshake, which is then
     * complete) and closes the connection, as RFC 6455 section 7.1.1 asks of the server.
     */
    public synchronized void answerClose(WebSocketCloseStatus status) {
        if (closeSent || !channel.isActive()) {
            channel.close();
            return;
        }
        closeSent = true;
        channel.writeAndFlush(new CloseWebSocketFrame(status)).addListener(ChannelFutureListener.CLOSE);
    }

    private void endOutputAndDrain(DuplexChannel duplex) {
        // nothing the client sends matters any more: drop it as it arrives, before any decoding
        channel.pipeline().addFirst(DropInput.INSTANCE);
        ScheduledFuture<?> deadline =
                channel.eventLoop().schedule(() -> channel.close(), CLOSE_DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> deadline.cancel(false));
        // the client reads the close frame, then the end of the stream; its own close (EOF) closes the channel
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls != null) {
            tls.closeOutbound().addListener(f -> duplex.shutdownOutput());
        } else {
            duplex.shutdownOutput();
        }
    }

    /** Releases whatever arrives on a connection we are closing; the end of its input closes the channel. */
    @ChannelHandler.Sharable
    private static final class DropInput extends ChannelInboundHandlerAdapter {
        static final DropInput INSTANCE = new DropInput();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset or read error while closing: nothing left to say
        }
    }
}
