package io.courier.bench.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * One Engine.IO v4 HTTP long-polling client, as a browser runs one: GETs on one keep-alive connection (the handshake,
 * then GET after GET), POSTs on a second one opened when first needed (a POST of {@code 40}, and of {@code 3} for
 * each ping), so a POST never waits for the pending GET. A connection the server closes after it answered a request
 * is replaced, as any HTTP client does (netty-socketio 2.0 closes its polling connections after an answer). Packets of a payload (separated by 0x1e) are handed
 * over in place like {@link WsConnection}'s. Used only from its event loop.
 */
public final class PollingConnection {
    /** What a scenario does with a polling client's traffic. */
    public interface Listener {
        void onConnected(PollingConnection c);

        /** A Socket.IO EVENT without ack: its JSON array at {@code [from, to)} of {@code buf}. */
        void onEvent(PollingConnection c, ByteBuf buf, int from, int to);

        default void onError(PollingConnection c, String message) {}
    }

    /** Opens a connection to the server with the given handler. */
    public interface Connector {
        ChannelFuture connect(ChannelHandler handler);
    }

    private final String host;
    private final Listener listener;
    private final Connector connector;
    public final int index;
    private ChannelFuture getConnect;
    private ChannelFuture postConnect;
    private String sid;
    private boolean connected;
    private boolean closing;
    /** How many times a GET connection closed by the server was replaced. */
    public int reconnects;

    private String pendingPost;

    public PollingConnection(String host, int port, int index, Listener listener, Connector connector) {
        this.host = host + ":" + port;
        this.index = index;
        this.listener = listener;
        this.connector = connector;
    }

    /** Opens the GET connection and sends the handshake. */
    public void start() {
        getConnect = open(new GetAnswers());
        send(getConnect, get());
    }

    public boolean connected() {
        return connected;
    }

    /** Closes both connections. */
    public void close() {
        closing = true;
        if (postConnect != null) {
            postConnect.channel().close();
        }
        if (getConnect != null) {
            getConnect.channel().close();
        }
    }

    private ChannelFuture open(ChannelHandler answers) {
        return connector.connect(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline()
                        .addLast(new HttpClientCodec())
                        .addLast(new HttpObjectAggregator(1 << 20))
                        .addLast(answers);
            }
        });
    }

    private void send(ChannelFuture connection, FullHttpRequest req) {
        connection.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                f.channel().writeAndFlush(req, f.channel().voidPromise());
            } else {
                req.release();
                fail("connect failed: " + f.cause());
            }
        });
    }

    private void fail(String why) {
        if (!closing) {
            listener.onError(this, why);
            close();
        }
    }

    private String path() {
        return "/socket.io/?EIO=4&transport=polling" + (sid == null ? "" : "&sid=" + sid);
    }

    private FullHttpRequest get() {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path());
        req.headers().set(HttpHeaderNames.HOST, host);
        return req;
    }

    private void post(String body) {
        if (postConnect == null
                || (postConnect.isDone() && !postConnect.channel().isActive())) {
            postConnect = open(new PostAnswers());
        }
        FullHttpRequest req = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.POST, path(), Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        req.headers()
                .set(HttpHeaderNames.HOST, host)
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain;charset=UTF-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, req.content().readableBytes());
        send(postConnect, req);
    }

    /** The GET connection: each answer's packets, then the next GET. */
    private final class GetAnswers extends SimpleChannelInboundHandler<FullHttpResponse> {
        private boolean answered;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            answered = true;
            if (res.status().code() != 200) {
                fail("HTTP " + res.status() + " for GET: " + res.content().toString(StandardCharsets.UTF_8));
                return;
            }
            ByteBuf b = res.content();
            int end = b.writerIndex();
            int from = b.readerIndex();
            while (from < end) {
                int sep = b.indexOf(from, end, (byte) 0x1e);
                int to = sep < 0 ? end : sep;
                packet(b, from, to);
                from = to + 1;
            }
            if (pendingPost != null) {
                String body = pendingPost;
                pendingPost = null;
                post(body);
            }
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(get(), ctx.voidPromise());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (closing) {
                return;
            }
            if (answered && sid != null) {
                reconnects++;
                getConnect = open(new GetAnswers()); // the server closed it after an answer: poll on a new one
                send(getConnect, get());
            } else {
                fail("GET connection closed" + (connected ? "" : " before Socket.IO connected"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (answered && cause instanceof java.io.IOException) {
                ctx.close(); // reset after an answer: replaced in channelInactive
            } else {
                fail("GET connection: " + cause);
            }
        }
    }

    /** The POST connection's answers: "ok", or an error that fails the client. */
    private final class PostAnswers extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            if (res.status().code() != 200) {
                fail("HTTP " + res.status() + " for POST: " + res.content().toString(StandardCharsets.UTF_8));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof java.io.IOException) {
                ctx.close(); // a reset between POSTs: the next POST opens a new connection
            } else {
                fail("POST connection: " + cause);
            }
        }
    }

    private void packet(ByteBuf b, int from, int to) {
        if (to <= from) {
            return;
        }
        switch (b.getByte(from)) {
            case '0' -> {
                String open = b.toString(from + 1, to - from - 1, StandardCharsets.UTF_8);
                int i = open.indexOf("\"sid\":\"");
                sid = open.substring(i + 7, open.indexOf('"', i + 7));
                pendingPost = "40";
            }
            case '2' -> pendingPost = pendingPost == null ? "3" : pendingPost + "\u001e3";
            case '4' -> {
                if (to - from >= 2 && b.getByte(from + 1) == '0') {
                    connected = true;
                    listener.onConnected(this);
                } else if (to - from >= 2 && b.getByte(from + 1) == '2') {
                    listener.onEvent(this, b, from + 2, to);
                }
            }
            default -> {}
        }
    }
}
