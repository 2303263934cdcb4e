package io.courier.bench.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One load-generator connection: a minimal RFC 6455 client (hand-written upgrade request, frames parsed in place in
 * the receive buffer, masked client frames) speaking Engine.IO v4 / Socket.IO v5 on namespace {@code /}. It answers
 * the open packet with {@code 40} (with an auth object if given), pings with pongs, and hands Socket.IO events and
 * acks to its {@link WsListener} as byte ranges of the receive buffer: nothing is decoded unless a scenario asks.
 * Used only from its event loop.
 */
public final class WsConnection extends ChannelInboundHandlerAdapter {
    private static final byte[] END_OF_HEADERS = {'\r', '\n', '\r', '\n'};
    private static final int MAX_HEADERS = 16 * 1024;

    private final String host;
    private final int port;
    private final String auth;
    private final WsListener listener;
    private final byte[] mask = new byte[4];
    /** The scenario's number for this connection (receiver index, or -1 for a publisher). */
    public final int index;

    private Channel channel;
    private ByteBuf cumulation;
    private boolean upgraded;
    private boolean connected;
    /** Frames sent without a flush, gathered in one buffer that goes out at the end of the read (or the next flush). */
    private ByteBuf pending;

    private int nextAckId;

    /** A scenario's own state for this connection. */
    public long startedNanos;

    /** A scenario's own state for this connection: the ack id it owes an answer for, -1 for none. */
    public int owedAck = -1;

    /** A scenario's own state for this connection: deliveries whose ack it holds back. */
    public int held;

    /** A scenario's own state for this connection: sends what is held once the ack delay is over; null if none. */
    public ScheduledFuture<?> heldTimer;

    public WsConnection(String host, int port, String auth, int index, WsListener listener) {
        this.host = host;
        this.port = port;
        this.auth = auth;
        this.index = index;
        this.listener = listener;
        do {
            ThreadLocalRandom.current().nextBytes(mask);
        } while (mask[0] == 0 || mask[1] == 0 || mask[2] == 0 || mask[3] == 0);
    }

    public Channel channel() {
        return channel;
    }

    public boolean connected() {
        return connected;
    }

    /** A fresh ack id for an event this connection sends. */
    public int nextAckId() {
        return nextAckId++;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        String request = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                + "Host: " + host + ":" + port + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        ctx.writeAndFlush(ctx.alloc().buffer(request.length()).writeBytes(request.getBytes(StandardCharsets.US_ASCII)));
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        if (pending != null) {
            pending.release();
            pending = null;
        }
        listener.onClosed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        listener.onError(this, cause.toString());
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (cumulation == null) {
            cumulation = in;
        } else if (cumulation.refCnt() == 1
                && !cumulation.isReadOnly()
                && cumulation.maxFastWritableBytes() >= in.readableBytes()) {
            cumulation.writeBytes(in);
            in.release();
        } else {
            ByteBuf merged = ctx.alloc().buffer(Math.max(1024, (cumulation.readableBytes() + in.readableBytes()) * 2));
            merged.writeBytes(cumulation).writeBytes(in);
            cumulation.release();
            in.release();
            cumulation = merged;
        }
        try {
            parse();
        } finally {
            if (cumulation != null) {
                if (!cumulation.isReadable()) {
                    cumulation.release();
                    cumulation = null;
                } else {
                    cumulation.discardSomeReadBytes();
                }
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        listener.onReadComplete(this);
        flush();
    }

    private void parse() {
        ByteBuf buf = cumulation;
        while (buf != null && buf.isReadable() && channel.isActive()) {
            if (!upgraded) {
                int end = indexOf(buf, END_OF_HEADERS);
                if (end < 0) {
                    if (buf.readableBytes() > MAX_HEADERS) {
                        fail("upgrade response headers too long");
                    }
                    return;
                }
                String status = buf.toString(
                        buf.readerIndex(), Math.min(12, end - buf.readerIndex()), StandardCharsets.US_ASCII);
                if (!status.endsWith("101")) {
                    fail("upgrade refused: "
                            + buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.US_ASCII)
                                    .lines()
                                    .findFirst()
                                    .orElse(""));
                    return;
                }
                buf.readerIndex(end + END_OF_HEADERS.length);
                upgraded = true;
                continue;
            }
            int r = buf.readerIndex();
            int avail = buf.readableBytes();
            if (avail < 2) {
                return;
            }
            int b0 = buf.getUnsignedByte(r);
            int b1 = buf.getUnsignedByte(r + 1);
            int header = 2;
            long length = b1 & 0x7f;
            if (length == 126) {
                if (avail < 4) {
                    return;
                }
                length = buf.getUnsignedShort(r + 2);
                header = 4;
            } else if (length == 127) {
                if (avail < 10) {
                    return;
                }
                length = buf.getLong(r + 2);
                header = 10;
            }
            if ((b1 & 0x80) != 0 || length > 64L * 1024 * 1024) {
                fail("bad frame from the server (masked or too long)");
                return;
            }
            if (avail < header + length) {
                return;
            }
            int start = r + header;
            int end = start + (int) length;
            buf.readerIndex(end);
            switch (b0 & 0x0f) {
                case 1 -> onText(buf, start, end);
                case 8 -> channel.close();
                case 9 -> sendFrame(0x8A, buf, start, end - start, true);
                default -> {
                    // binary frames, pongs and continuations: not used by these scenarios
                }
            }
            buf = cumulation;
        }
    }

    private void onText(ByteBuf buf, int from, int to) {
        if (to <= from) {
            return;
        }
        switch (buf.getByte(from)) {
            case '0' -> sendText(auth == null ? "40" : "40" + auth, true);
            case '2' -> sendText("3", true);
            case '4' -> {
                if (to - from < 2) {
                    return;
                }
                byte type = buf.getByte(from + 1);
                int p = from + 2;
                switch (type) {
                    case '0' -> {
                        connected = true;
                        listener.onConnected(this);
                    }
                    case '2', '3' -> {
                        int id = -1;
                        byte c;
                        while (p < to && (c = buf.getByte(p)) >= '0' && c <= '9') {
                            id = (id < 0 ? 0 : id * 10) + (c - '0');
                            p++;
                        }
                        if (type == '2') {
                            listener.onEvent(this, buf, p, to, id);
                        } else {
                            listener.onAck(this, id, buf, p, to);
                        }
                    }
                    case '4' ->
                        listener.onError(
                                this, "connect_error " + buf.toString(from, to - from, StandardCharsets.UTF_8));
                    default -> {}
                }
            }
            default -> {}
        }
    }

    private void fail(String why) {
        listener.onError(this, why);
        channel.close();
    }

    /** Sends a text frame (masked); with {@code flush} false it goes out at the end of the current read. */
    public void sendText(String text, boolean flush) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        sendText(b, b.length, flush);
    }

    /** Sends {@code length} bytes of {@code payload} as one masked text frame. */
    public void sendText(byte[] payload, int length, boolean flush) {
        ByteBuf out = frameHeader(0x81, length);
        for (int i = 0; i < length; i++) {
            out.writeByte(payload[i] ^ mask[i & 3]);
        }
        if (flush) {
            flush();
        }
    }

    private void sendFrame(int b0, ByteBuf src, int from, int length, boolean flush) {
        ByteBuf out = frameHeader(b0, length);
        for (int i = 0; i < length; i++) {
            out.writeByte(src.getByte(from + i) ^ mask[i & 3]);
        }
        if (flush) {
            flush();
        }
    }

    /**
     * Writes a frame's header into {@link #pending} (made or grown for a payload of {@code length}) and returns it:
     * frames sent in one read leave in one buffer, as a client that writes into its own send buffer sends them, not
     * as a Netty message each. With a channel write, an outbound entry and an iovec per ack frame, the receivers'
     * acks in the durable scenario cost the load generator 15% more CPU, and the server, whose writes the busier load
     * generator read later, 9-12% more per delivery.
     */
    private ByteBuf frameHeader(int b0, int length) {
        ByteBuf out = pending;
        if (out == null) {
            out = pending = channel.alloc().ioBuffer(Math.max(256, length + 14));
        } else {
            out.ensureWritable(length + 14);
        }
        out.writeByte(b0);
        if (length < 126) {
            out.writeByte(0x80 | length);
        } else if (length < 65536) {
            out.writeByte(0x80 | 126).writeShort(length);
        } else {
            out.writeByte(0x80 | 127).writeLong(length);
        }
        out.writeBytes(mask);
        return out;
    }

    /** Sends what {@link #sendText(byte[], int, boolean)} gathered without flushing. */
    public void flush() {
        ByteBuf out = pending;
        if (out != null) {
            pending = null;
            channel.writeAndFlush(out, channel.voidPromise());
        }
    }

    static int indexOf(ByteBuf buf, byte[] needle) {
        int last = buf.writerIndex() - needle.length;
        outer:
        for (int i = buf.readerIndex(); i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
