package io.courier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.engine.codec.EngineIoPacket;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WebSocketTransport} on a real event loop ({@link OutboundTurn}): a packet's frame is encoded once per loop
 * turn for every connection that gets it, written past Netty's frame encoder as the bytes that encoder would write;
 * a write is flushed at once unless other tasks are queued on the loop, then once per connection at the end of the
 * turn. Loopback TCP; the waits only guard against hangs.
 */
class OutboundTurnTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final List<Socket> clients = new ArrayList<>();
    private final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
    /** What reached each server channel's head (past the frame encoder): each buffer as the address of its bytes. */
    private final List<List<Long>> wire = Collections.synchronizedList(new ArrayList<>());
    /** What each server channel's frame encoder was given, as classes. */
    private final List<List<Class<?>>> encoded = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : clients) {
            s.close();
        }
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void whileTasksAreQueuedAPacketToSeveralConnectionsIsEncodedOnceAndEachConnectionFlushedAtTheEndOfTheTurn()
            throws Exception {
        Channel listener = listen();
        Connection a = open(listener, false);
        Connection b = open(listener, false);
        EngineIoPacket news = EngineIoPacket.message("2[\"news\",\"héllo\"]");
        EngineIoPacket ack = EngineIoPacket.message("31[]");
        EngineIoPacket attachment = EngineIoPacket.binary(new byte[] {1, 2, 3});

        long[] unflushedInTheTurn = a.server()
                .eventLoop()
                .submit(() -> {
                    a.server().eventLoop().execute(() -> {}); // queued behind this task: writes wait for the turn's end
                    a.ws().send(List.of(news));
                    b.ws().send(List.of(news, attachment));
                    a.ws().send(List.of(ack));
                    return new long[] {
                        a.server().unsafe().outboundBuffer().totalPendingWriteBytes(),
                        a.server().unsafe().outboundBuffer().size(),
                        b.server().unsafe().outboundBuffer().totalPendingWriteBytes(),
                        b.server().unsafe().outboundBuffer().size()
                    };
                })
                .get(10, TimeUnit.SECONDS);

        assertThat(unflushedInTheTurn[0])
                .as("A, written before the end of the turn")
                .isPositive();
        assertThat(unflushedInTheTurn[1])
                .as("A, flushed before the end of the turn")
                .isZero();
        assertThat(unflushedInTheTurn[2])
                .as("B, written before the end of the turn")
                .isPositive();
        assertThat(unflushedInTheTurn[3])
                .as("B, flushed before the end of the turn")
                .isZero();
        assertThat(read(a.client(), 2)).containsExactly(nettyFrame(news), nettyFrame(ack));
        assertThat(read(b.client(), 2)).containsExactly(nettyFrame(news), nettyFrame(attachment));
        List<Long> toA = wire.get(0);
        List<Long> toB = wire.get(1);
        assertThat(toA).hasSize(2);
        assertThat(toA.get(0)).as("one frame buffer for both connections").isEqualTo(toB.get(0));
        assertThat(toA.get(1)).isNotEqualTo(toA.get(0));
        assertThat(encoded.get(0)).as("bytes go past the frame encoder").isEmpty();
    }

    @Test
    void writesWithNoOtherTaskQueuedAreFlushedAtOnce() throws Exception {
        Channel listener = listen();
        Connection a = open(listener, false);
        Connection b = open(listener, false);
        EngineIoPacket news = EngineIoPacket.message("2[\"news\"]");

        long[] pendingAfterEachSend = a.server()
                .eventLoop()
                .submit(() -> {
                    a.ws().send(List.of(news));
                    long afterA = a.server().unsafe().outboundBuffer().totalPendingWriteBytes();
                    b.ws().send(List.of(news));
                    return new long[] {
                        afterA,
                        b.server().unsafe().outboundBuffer().totalPendingWriteBytes(),
                        ((SingleThreadEventExecutor) a.server().eventLoop()).pendingTasks()
                    };
                })
                .get(10, TimeUnit.SECONDS);

        assertThat(pendingAfterEachSend)
                .as("written to the sockets in the sends, and no task of ours left on the loop (an inline listener's"
                        + " check reads any queued task as a packet it might overtake)")
                .containsExactly(0, 0, 0);
        assertThat(read(a.client(), 1)).containsExactly(nettyFrame(news));
        assertThat(read(b.client(), 1)).containsExactly(nettyFrame(news));
        assertThat(wire.get(0).get(0))
                .as("one frame buffer for both")
                .isEqualTo(wire.get(1).get(0));
    }

    @Test
    void sendsTogetherAreFlushedOncePerConnectionAtTheEndOfTheTurnWithNoOtherTaskQueued() throws Exception {
        Channel listener = listen();
        Connection a = open(listener, false);
        Connection b = open(listener, false);
        EngineIoPacket first = EngineIoPacket.message("2[\"first\"]");
        EngineIoPacket second = EngineIoPacket.message("2[\"second\"]");

        long[] unflushed = a.server()
                .eventLoop()
                .submit(() -> {
                    long[] seen = new long[3];
                    EngineIoSession.sendTogether(a.server().eventLoop(), () -> {
                        a.ws().send(List.of(first));
                        b.ws().send(List.of(first));
                        a.ws().send(List.of(second));
                        b.ws().send(List.of(second));
                        seen[0] = a.server().unsafe().outboundBuffer().totalPendingWriteBytes();
                        seen[1] = b.server().unsafe().outboundBuffer().totalPendingWriteBytes();
                    });
                    a.ws().send(List.of(first)); // after the writes together: flushed at once again (with the rest)
                    seen[2] = a.server().unsafe().outboundBuffer().totalPendingWriteBytes();
                    return seen;
                })
                .get(10, TimeUnit.SECONDS);

        assertThat(unflushed[0])
                .as("A's frames at the end of sendTogether (nothing else queued on the loop): written, not flushed")
                .isPositive();
        assertThat(unflushed[1]).as("B's, likewise").isPositive();
        assertThat(unflushed[2])
                .as("A's next write, alone: flushed at once, the earlier frames with it")
                .isZero();
        assertThat(read(a.client(), 3)).containsExactly(nettyFrame(first), nettyFrame(second), nettyFrame(first));
        assertThat(read(b.client(), 2)).containsExactly(nettyFrame(first), nettyFrame(second));
    }

    @Test
    void aWriteFromAnotherLoopIsFlushedAtOnceAndBothLoopsStillStop() throws Exception {
        Connection a = open(listen(), false);
        EngineIoPacket news = EngineIoPacket.message("2[\"news\"]");
        EventLoopGroup other = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            // a session's loop writing to the WebSocket of an upgrade accepted on another loop
            other.next().submit(() -> a.ws().send(List.of(news))).get(10, TimeUnit.SECONDS);
            assertThat(read(a.client(), 1)).containsExactly(nettyFrame(news));
        } finally {
            assertThat(other.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS))
                    .as("the other loop terminates (it looked for a turn of its own and has none)")
                    .isTrue();
        }
    }

    @Test
    void aConnectionWithPermessageDeflateGetsNettyFrames() throws Exception {
        Connection a = open(listen(), true);
        EngineIoPacket news = EngineIoPacket.message("2[\"news\"]");

        a.server().eventLoop().submit(() -> a.ws().send(List.of(news))).get(10, TimeUnit.SECONDS);

        assertThat(read(a.client(), 1)).containsExactly(nettyFrame(news));
        assertThat(encoded.get(0)).containsExactly(TextWebSocketFrame.class);
    }

    @Test
    void framesOfEveryLengthClassAreWhatNettysEncoderWrites() {
        for (int len : new int[] {0, 1, 125, 126, 127, 65535, 65536, 70_000}) {
            byte[] data = new byte[len];
            for (int i = 0; i < len; i++) {
                data[i] = (byte) i;
            }
            EngineIoPacket binary = EngineIoPacket.binary(data);
            EngineIoPacket text = EngineIoPacket.message("x".repeat(Math.max(0, len - 1)));
            for (EngineIoPacket p : List.of(binary, text)) {
                ByteBuf ours = OutboundTurn.encode(p, ByteBufAllocator.DEFAULT);
                try {
                    assertThat(ByteBufUtil.getBytes(ours)).as("%s", p).isEqualTo(nettyFrame(p));
                } finally {
                    ours.release();
                }
            }
        }
    }

    /** The bytes Netty's server-side encoder writes for {@code p}'s frame. */
    private static byte[] nettyFrame(EngineIoPacket p) {
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        ByteBuf content = Unpooled.wrappedBuffer(p.isBinary() ? p.binary() : p.textFrameBytes());
        ch.writeOutbound(p.isBinary() ? new BinaryWebSocketFrame(content) : new TextWebSocketFrame(content));
        ByteBuf all = Unpooled.buffer();
        ByteBuf part;
        while ((part = ch.readOutbound()) != null) {
            all.writeBytes(part);
            part.release();
        }
        ch.finishAndReleaseAll();
        return ByteBufUtil.getBytes(all);
    }

    private Channel listen() throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        List<Long> toWire = new ArrayList<>();
                        List<Class<?>> toEncoder = new ArrayList<>();
                        wire.add(toWire);
                        encoded.add(toEncoder);
                        ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
                            @Override
                            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                                ByteBuf b = (ByteBuf) msg;
                                toWire.add(b.hasMemoryAddress() ? b.memoryAddress() + b.readerIndex() : -1L);
                                ctx.write(msg, promise);
                            }
                        });
                        ch.pipeline().addLast(new WebSocket13FrameEncoder(false));
                        ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
                            @Override
                            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                                toEncoder.add(msg.getClass());
                                ctx.write(msg, promise);
                            }
                        });
                        accepted.add(ch);
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    /** A client socket, the server's channel it was accepted as, and the WebSocket transport over that channel. */
    private record Connection(Socket client, Channel server, WebSocketTransport ws) {}

    private Connection open(Channel listener, boolean deflate) throws IOException, InterruptedException {
        Socket client = connect(listener);
        Channel server = accepted.poll(10, TimeUnit.SECONDS);
        return new Connection(client, server, new WebSocketTransport(server, deflate));
    }

    private Socket connect(Channel listener) throws IOException {
        Socket s = new Socket();
        s.connect((InetSocketAddress) listener.localAddress(), 10_000);
        s.setSoTimeout(10_000);
        clients.add(s);
        return s;
    }

    /** Reads {@code n} unmasked frames, each as its whole bytes (header included). */
    private static List<byte[]> read(Socket s, int n) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            ByteBuf frame = Unpooled.buffer().writeByte(b0).writeByte(b1);
            long len = b1 & 0x7F;
            if (len == 126) {
                len = in.readUnsignedShort();
                frame.writeShort((int) len);
            } else if (len == 127) {
                len = in.readLong();
                frame.writeLong(len);
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            frames.add(ByteBufUtil.getBytes(frame.writeBytes(payload)));
        }
        return frames;
    }
}
