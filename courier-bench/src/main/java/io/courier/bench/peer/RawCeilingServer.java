package io.courier.bench.peer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The raw-Netty ceiling: the least a server can do and still satisfy the bench contract over WebSocket. It sends the
 * Engine.IO open packet, answers {@code 40}, writes ONE pre-encoded WebSocket frame per {@code broadcast} to every
 * channel ({@code retainedDuplicate()}), and answers {@code echo} acks by slicing the received bytes. No JSON parsing,
 * no ping bookkeeping, no polling. One event loop per CPU. Usage: {@code RawCeilingServer <port>}.
 */
public final class RawCeilingServer {
    private static final byte[] BROADCAST = "42[\"broadcast\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ECHO = "\"echo\",".getBytes(StandardCharsets.US_ASCII);

    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong sids = new AtomicLong();

    private RawCeilingServer() {}

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                Runtime.getRuntime().availableProcessors(),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        RawCeilingServer server = new RawCeilingServer();
        Channel listener = new ServerBootstrap()
                .group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(65536))
                                .addLast(server.new Handler());
                    }
                })
                .bind(port)
                .sync()
                .channel();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            listener.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
                    .awaitUninterruptibly();
        }));
        System.out.println("raw-netty ceiling listening on " + port + (epoll ? " (epoll)" : " (nio)"));
        listener.closeFuture().sync();
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        private WebSocketServerHandshaker handshaker;
        private String sid;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req) {
                upgrade(ctx, req);
            } else if (msg instanceof TextWebSocketFrame text) {
                onText(ctx, text.content());
            } else if (msg instanceof CloseWebSocketFrame close) {
                handshaker.close(ctx.channel(), close.retain());
            }
        }

        private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (!req.uri().startsWith("/socket.io/") || !req.uri().contains("transport=websocket")) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.BAD_REQUEST))
                        .addListener(f -> ctx.close());
                return;
            }
            handshaker = new WebSocketServerHandshakerFactory("ws://localhost" + req.uri(), null, false, 1 << 20)
                    .newHandshaker(req);
            if (handshaker == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            sid = Long.toString(sids.incrementAndGet(), 36) + "AAAAAAAAAAAAAAAAAA";
            handshaker.handshake(ctx.channel(), req).addListener(f -> {
                if (f.isSuccess()) {
                    open.add(ctx.channel());
                    ctx.channel().closeFuture().addListener(c -> open.remove(ctx.channel()));
                    ctx.writeAndFlush(new TextWebSocketFrame("0{\"sid\":\"" + sid + "\",\"upgrades\":[],"
                            + "\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"));
                }
            });
        }

        private void onText(ChannelHandlerContext ctx, ByteBuf in) {
            int r = in.readerIndex();
            int n = in.readableBytes();
            if (n == 2 && in.getByte(r) == '4' && in.getByte(r + 1) == '0') {
                ctx.writeAndFlush(new TextWebSocketFrame("40{\"sid\":\"" + sid + "\"}"));
            } else if (startsWith(in, r, BROADCAST)) {
                broadcast(ctx, in);
            } else if (n > 3 && in.getByte(r) == '4' && in.getByte(r + 1) == '2') {
                echo(ctx, in, r, n);
            }
        }

        /** One frame, encoded once, written to every open channel. */
        private void broadcast(ChannelHandlerContext ctx, ByteBuf payload) {
            int len = payload.readableBytes();
            ByteBuf frame = ctx.alloc().directBuffer(len + 4);
            frame.writeByte(0x81);
            if (len < 126) {
                frame.writeByte(len);
            } else {
                frame.writeByte(126).writeShort(len);
            }
            frame.writeBytes(payload, payload.readerIndex(), len);
            try {
                for (Channel ch : open) {
                    ch.writeAndFlush(frame.retainedDuplicate(), ch.voidPromise());
                }
            } finally {
                frame.release();
            }
        }

        /** {@code 42<id>["echo",X]} answered with {@code 43<id>[X]}: a prefix and a slice of the received bytes. */
        private void echo(ChannelHandlerContext ctx, ByteBuf in, int r, int n) {
            int p = r + 2;
            int end = r + n;
            while (p < end && in.getByte(p) >= '0' && in.getByte(p) <= '9') {
                p++;
            }
            if (p == r + 2 || p >= end || in.getByte(p) != '[' || !startsWith(in, p + 1, ECHO)) {
                return; // no ack id or not an echo: nothing to answer
            }
            int argsStart = p + 1 + ECHO.length;
            ByteBuf prefix = ctx.alloc().buffer(p - r + 1);
            prefix.writeByte('4')
                    .writeByte('3')
                    .writeBytes(in, r + 2, p - (r + 2))
                    .writeByte('[');
            ByteBuf reply = Unpooled.wrappedBuffer(prefix, in.retainedSlice(argsStart, end - argsStart));
            ctx.writeAndFlush(new TextWebSocketFrame(reply), ctx.voidPromise());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static boolean startsWith(ByteBuf b, int at, byte[] prefix) {
        if (b.writerIndex() - at < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b.getByte(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
