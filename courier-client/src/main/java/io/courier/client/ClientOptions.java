package io.courier.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/** The settings of one {@link CourierClient}, fixed by its {@link CourierClient.Builder}. */
final class ClientOptions {
    boolean secure;
    String host;
    int port;
    String path = "/socket.io/";
    Map<String, String> query = new LinkedHashMap<>();
    Map<String, String> extraHeaders = new LinkedHashMap<>();
    SslContext sslContext;
    List<String> transports = List.of("polling", "websocket");
    boolean upgrade = true;
    Duration connectTimeout = Duration.ofSeconds(20);
    int maxMessageBytes = 16 * 1024 * 1024;
    boolean reconnection = true;
    int reconnectionAttempts = Integer.MAX_VALUE;
    Duration reconnectionDelay = Duration.ofSeconds(1);
    Duration reconnectionDelayMax = Duration.ofSeconds(5);
    double randomizationFactor = 0.5;
    Duration ackTimeout; // null: none
    int maxBufferedPackets = 1000;
    Map<String, Object> auth = Map.of();
    int dedupIds = 10_000;
    boolean cumulativeAcks = true;
    Duration ackDelay = Duration.ofMillis(100);
    Executor callbackExecutor; // null: the client's own single thread
    EventLoopGroup eventLoopGroup; // null: the client's own, one thread

    /**
     * Opens a connection to the server on {@code loop}: TLS first when configured, then the transport's {@code
     * stages}. Both transports connect through here.
     */
    ChannelFuture connect(EventLoop loop, Consumer<ChannelPipeline> stages) {
        return new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sslContext != null) {
                            ch.pipeline().addLast(sslContext.newHandler(ch.alloc(), host, port));
                        }
                        stages.accept(ch.pipeline());
                    }
                })
                .connect(host, port);
    }

    /** The Engine.IO URL of one request or WebSocket, with the session id once known. */
    URI engineUri(String transport, String sid, boolean webSocket) {
        StringBuilder q = new StringBuilder("EIO=4&transport=").append(transport);
        if (sid != null) {
            q.append("&sid=").append(encode(sid));
        }
        if (!webSocket) {
            q.append("&t=").append(Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36));
        }
        for (Map.Entry<String, String> e : query.entrySet()) {
            q.append('&').append(encode(e.getKey())).append('=').append(encode(e.getValue()));
        }
        String scheme = webSocket ? (secure ? "wss" : "ws") : (secure ? "https" : "http");
        return URI.create(scheme + "://" + hostHeader() + path + "?" + q);
    }

    String hostHeader() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return h + ":" + port;
    }

    int maxPollingBodyBytes() {
        // base64 makes binary a third bigger; a body may hold several packets
        return (int) Math.min(Integer.MAX_VALUE, (long) maxMessageBytes * 2);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
