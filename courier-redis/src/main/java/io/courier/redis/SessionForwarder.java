package io.courier.redis;

import io.courier.http.ForeignSessions;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Long-polling without sticky sessions over a {@link RedisCluster}: give it to {@code
 * CourierConfig.builder().foreignSessions(forwarder)} next to {@code adapter(cluster)}, and a node that receives a
 * polling request for another node's session passes it on to that node over plain HTTP and relays the answer.
 *
 * <pre>{@code
 * RedisCluster cluster = RedisCluster.connect("redis://10.0.0.2:6379");
 * SessionForwarder forwarder = SessionForwarder.create(cluster);
 * Courier io = Courier.create(c -> c.adapter(cluster).foreignSessions(forwarder));
 * }</pre>
 *
 * <p>The node id is the cluster's {@link RedisCluster#uid()}. Once the server listens, the node announces its base URL
 * in Redis ({@link NodeRegistry}); other nodes find it there and send it the request as the client sent it (headers,
 * {@code Host} and {@code Origin} included, hop-by-hop ones excepted), on connections they keep open between requests.
 * Bounds: {@link Builder#maxForwards} requests in flight (503 beyond), {@link Builder#maxReplyBytes} per answer, the
 * request's own timeout (longer than pingInterval + pingTimeout), {@link Builder#connectTimeout}. A node that is not
 * announced, cannot be reached, closes the connection or does not answer in time is gone: the client gets 400
 * "Session ID unknown" and reconnects.
 *
 * <p>Close it before the cluster: it removes the node's address, so peers stop forwarding to it.
 */
public final class SessionForwarder implements ForeignSessions, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionForwarder.class);
    /** An idle connection to a peer is used again only this soon: peers close idle connections after 30 s or more. */
    private static final long REUSE_WITHIN_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Idle connections kept per peer; more are closed when their request is done. */
    private static final int MAX_IDLE_PER_PEER = 64;

    private final RedisCluster cluster;
    private final NodeRegistry registry;
    private final String advertisedHost;
    private final int maxForwards;
    private final int maxReplyBytes;
    private final Duration connectTimeout;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final AtomicInteger inFlight = new AtomicInteger();
    // touched on `loop` only
    private final Map<InetSocketAddress, ArrayDeque<Idle>> idle = new HashMap<>();

    private record Idle(Channel channel, long since) {}

    private SessionForwarder(Builder b) {
        this.cluster = b.cluster;
        this.registry = new NodeRegistry(b.cluster, b.registrationTtl);
        this.advertisedHost = b.advertisedHost;
        this.maxForwards = b.maxForwards;
        this.maxReplyBytes = b.maxReplyBytes;
        this.connectTimeout = b.connectTimeout;
        this.group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("courier-forward", true), NioIoHandler.newFactory());
        this.loop = group.next();
    }

    /** A forwarder with the defaults (see {@link Builder}). */
    public static SessionForwarder create(RedisCluster cluster) {
        return builder(cluster).build();
    }

    public static Builder builder(RedisCluster cluster) {
        return new Builder(cluster);
    }

    @Override
    public String nodeId() {
        return cluster.uid();
    }

    /** Announces {@code http://<advertised host>:<port>}; the host is the bound address unless that is a wildcard. */
    @Override
    public void listening(InetSocketAddress address) {
        String host = advertisedHost;
        if (host == null) {
            InetAddress bound = address.getAddress();
            if (bound.isAnyLocalAddress()) {
                try {
                    bound = InetAddress.getLocalHost();
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(
                            "cannot tell this node's address to its peers: set SessionForwarder.Builder.advertisedHost",
                            e);
                }
            }
            host = bound instanceof Inet6Address ? "[" + bound.getHostAddress() + "]" : bound.getHostAddress();
        }
        URI url = URI.create("http://" + host + ":" + address.getPort());
        registry.register(url);
        log.info("node {} takes forwarded polling requests at {}", nodeId(), url);
    }

    @Override
    public CompletableFuture<Reply> forward(String owner, Request request) {
        if (inFlight.incrementAndGet() > maxForwards) {
            inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(
                    new RejectedExecutionException("too many forwards in flight (maxForwards " + maxForwards + ")"));
        }
        CompletableFuture<Reply> result = new CompletableFuture<>();
        result.whenComplete((r, e) -> inFlight.decrementAndGet());
        registry.lookup(owner).whenComplete((url, error) -> {
            if (url == null) {
                result.complete(null);
            } else {
                InetSocketAddress peer =
                        InetSocketAddress.createUnresolved(url.getHost(), url.getPort() < 0 ? 80 : url.getPort());
                try {
                    loop.execute(() -> send(owner, peer, request, result));
                } catch (RejectedExecutionException closed) {
                    result.complete(null); // this forwarder is closed: answer rather than leave the client waiting
                }
            }
        });
        return result;
    }

    /** Number of forwards waiting for their owner's answer. */
    public int forwardsInFlight() {
        return inFlight.get();
    }

    // on `loop`
    private void send(String owner, InetSocketAddress peer, Request request, CompletableFuture<Reply> result) {
        if (result.isDone()) {
            return;
        }
        Channel pooled = takeIdle(peer);
        if (pooled != null) {
            exchange(owner, peer, pooled, request, result);
            return;
        }
        ChannelFuture connecting = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("http", new HttpClientCodec())
                                .addLast("aggregate", new HttpObjectAggregator(maxReplyBytes))
                                .addLast("reply", new ReplyHandler());
                    }
                })
                .connect(peer);
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                connecting.cancel(false);
            }
        });
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("node {} at {} cannot be reached: {}", owner, peer, String.valueOf(f.cause()));
                registry.forget(owner);
                result.complete(null);
                return;
            }
            exchange(owner, peer, connecting.channel(), request, result);
        });
    }

    private Channel takeIdle(InetSocketAddress peer) {
        ArrayDeque<Idle> q = idle.get(peer);
        if (q == null) {
            return null;
        }
        long now = System.nanoTime();
        Idle i;
        while ((i = q.pollLast()) != null) {
            if (i.channel().isActive() && now - i.since() < REUSE_WITHIN_NANOS) {
                return i.channel();
            }
            i.channel().close();
        }
        idle.remove(peer); // a peer that went away leaves nothing behind
        return null;
    }

    private void putIdle(InetSocketAddress peer, Channel ch) {
        ArrayDeque<Idle> q = idle.computeIfAbsent(peer, p -> new ArrayDeque<>());
        if (q.size() >= MAX_IDLE_PER_PEER) {
            Idle oldest = q.pollFirst();
            oldest.channel().close();
        }
        q.addLast(new Idle(ch, System.nanoTime()));
    }

    // on `loop`: one request on one connection, answered once
    private void exchange(
            String owner, InetSocketAddress peer, Channel ch, Request request, CompletableFuture<Reply> result) {
        ReplyHandler handler = ch.pipeline().get(ReplyHandler.class);
        FullHttpRequest out = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                HttpMethod.valueOf(request.method()),
                request.uri(),
                Unpooled.wrappedBuffer(request.body()));
        for (Map.Entry<String, String> h : request.headers()) {
            out.headers().add(h.getKey(), h.getValue());
        }
        out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, request.body().length);
        ScheduledFuture<?> timeout = loop.schedule(
                () -> {
                    if (!result.isDone()) {
                        log.debug(
                                "node {} did not answer {} {} within {}",
                                owner,
                                request.method(),
                                request.uri(),
                                request.timeout());
                        result.complete(null);
                        ch.close();
                    }
                },
                request.timeout().toMillis(),
                TimeUnit.MILLISECONDS);
        handler.expect(response -> {
            timeout.cancel(false);
            if (response == null) {
                result.complete(null);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(response);
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            for (Map.Entry<String, String> h : response.headers()) {
                headers.add(new AbstractMap.SimpleImmutableEntry<>(h.getKey(), h.getValue()));
            }
            byte[] body = new byte[response.content().readableBytes()];
            response.content().readBytes(body);
            boolean delivered = result.complete(new Reply(response.status().code(), headers, body));
            if (delivered && keepAlive && ch.isActive()) {
                putIdle(peer, ch);
            } else {
                ch.close();
            }
        });
        // the client went away: so does the request to the owner, which sees its poll end as it would have
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                timeout.cancel(false);
                ch.close();
            }
        });
        ch.writeAndFlush(out).addListener(f -> {
            if (!f.isSuccess()) {
                handler.fail();
            }
        });
    }

    /** Stops announcing this node (peers stop forwarding to it), closes the connections to peers. */
    @Override
    public void close() {
        registry.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The answer to the one request in flight on a connection; null when the connection ends first. */
    private static final class ReplyHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private Consumer<FullHttpResponse> waiting;

        void expect(Consumer<FullHttpResponse> callback) {
            this.waiting = callback;
        }

        void fail() {
            Consumer<FullHttpResponse> w = waiting;
            waiting = null;
            if (w != null) {
                w.accept(null);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            Consumer<FullHttpResponse> w = waiting;
            waiting = null;
            if (w != null) {
                w.accept(response);
            } else {
                ctx.close(); // nothing was asked on this connection
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("forwarded request to {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            fail();
            ctx.close();
        }
    }

    public static final class Builder {
        private final RedisCluster cluster;
        private String advertisedHost;
        private int maxForwards = 10_000;
        private int maxReplyBytes = 64 * 1024 * 1024;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration registrationTtl = Duration.ofSeconds(15);

        private Builder(RedisCluster cluster) {
            this.cluster = Objects.requireNonNull(cluster, "cluster");
        }

        /**
         * The host or IP address other nodes reach this one at; default: the address the server is bound to, or, bound
         * to a wildcard ({@code 0.0.0.0}), this machine's address ({@code InetAddress.getLocalHost()}).
         */
        public Builder advertisedHost(String host) {
            this.advertisedHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Forwarded requests in flight at once (long-polls included); beyond it a request is answered 503. 10,000. */
        public Builder maxForwards(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxForwards : " + max + " (expected: >= 1)");
            }
            this.maxForwards = max;
            return this;
        }

        /**
         * The largest answer taken from an owner, in bytes (a poll's answer holds what the session buffered, up to its
         * maxBufferedBytes, 16 MiB by default); a larger one is dropped and the client answered 400. 64 MiB.
         */
        public Builder maxReplyBytes(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxReplyBytes : " + max + " (expected: >= 1)");
            }
            this.maxReplyBytes = max;
            return this;
        }

        /** How long connecting to a peer may take before it counts as gone; 2 s. */
        public Builder connectTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout : " + timeout + " (expected: > 0)");
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** How long a node's address outlives it in Redis (it is refreshed every third of this); 15 s. */
        public Builder registrationTtl(Duration ttl) {
            if (ttl == null || ttl.toMillis() < 3) {
                throw new IllegalArgumentException("registrationTtl : " + ttl + " (expected: >= 3 ms)");
            }
            this.registrationTtl = ttl;
            return this;
        }

        public SessionForwarder build() {
            return new SessionForwarder(this);
        }
    }
}
