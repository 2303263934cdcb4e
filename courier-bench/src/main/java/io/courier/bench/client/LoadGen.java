package io.courier.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The load generator: ONE Netty event loop (epoll where available) that runs every client connection of a scenario,
 * so the generator costs one core at most. Connections are opened with a bounded number of handshakes in flight and
 * spread over source addresses 127.0.0.x (about 4,000 each), so that the kernel's ephemeral-port search does not
 * become what "time to connect" measures.
 */
public final class LoadGen implements AutoCloseable {
    /** Connections per source address. */
    public static final int PER_SOURCE_ADDRESS = 4000;

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final boolean epoll;
    /** The next source address to hand out (127.0.0.2 ...): each connect batch takes fresh ones. */
    private int nextSource = 2;

    public LoadGen() {
        epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        loop = group.next();
    }

    public EventLoop loop() {
        return loop;
    }

    public boolean epoll() {
        return epoll;
    }

    /** Runs {@code task} on the event loop and waits for its result. */
    public <T> T call(Callable<T> task) throws Exception {
        return loop.submit(task).get(30, TimeUnit.SECONDS);
    }

    private Bootstrap bootstrap(ChannelHandler handler) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 20_000)
                .handler(handler);
        if (epoll) {
            b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        return b;
    }

    /**
     * Opens {@code count} WebSocket connections to 127.0.0.1:{@code port} with at most {@code inFlight} handshakes at
     * a time (a handshake ends with the Socket.IO CONNECT answer). The future completes with all connections once every
     * one is connected, or fails at the first error.
     */
    public CompletableFuture<Connected> connect(
            int port, int count, int inFlight, IntFunction<String> auth, WsListener listener) {
        CompletableFuture<Connected> done = new CompletableFuture<>();
        int sources = Math.max(1, (count + PER_SOURCE_ADDRESS - 1) / PER_SOURCE_ADDRESS);
        int firstSource = takeSources(sources);
        loop.execute(() -> new Batch(port, count, inFlight, auth, listener, firstSource, done).start());
        return done;
    }

    /**
     * Opens {@code count} HTTP long-polling clients (one keep-alive connection each) with at most {@code inFlight}
     * handshakes at a time; completes when every one is connected.
     */
    public CompletableFuture<List<PollingConnection>> connectPolling(
            int port, int count, int inFlight, PollingConnection.Listener listener) {
        CompletableFuture<List<PollingConnection>> done = new CompletableFuture<>();
        int firstSource = takeSources(Math.max(1, (count + PER_SOURCE_ADDRESS - 1) / PER_SOURCE_ADDRESS));
        loop.execute(() -> new PollingBatch(port, count, inFlight, listener, firstSource, done).start());
        return done;
    }

    private final class PollingBatch implements PollingConnection.Listener {
        private final int port;
        private final int count;
        private final int inFlight;
        private final PollingConnection.Listener listener;
        private final int firstSource;
        private final CompletableFuture<List<PollingConnection>> done;
        private final List<PollingConnection> all = new ArrayList<>();
        private int started;
        private int connected;

        PollingBatch(
                int port,
                int count,
                int inFlight,
                PollingConnection.Listener listener,
                int firstSource,
                CompletableFuture<List<PollingConnection>> done) {
            this.port = port;
            this.count = count;
            this.inFlight = inFlight;
            this.listener = listener;
            this.firstSource = firstSource;
            this.done = done;
        }

        void start() {
            if (count == 0) {
                done.complete(List.of());
            }
            while (started < Math.min(count, inFlight)) {
                next();
            }
        }

        private void next() {
            int i = started++;
            InetSocketAddress local = new InetSocketAddress("127.0.0." + (firstSource + i / PER_SOURCE_ADDRESS), 0);
            InetSocketAddress remote = new InetSocketAddress("127.0.0.1", port);
            PollingConnection c = new PollingConnection(
                    "127.0.0.1", port, i, this, handler -> bootstrap(handler).connect(remote, local));
            all.add(c);
            c.start();
        }

        @Override
        public void onConnected(PollingConnection c) {
            listener.onConnected(c);
            if (++connected == count) {
                done.complete(List.copyOf(all));
            } else if (started < count && !done.isDone()) {
                next();
            }
        }

        @Override
        public void onEvent(PollingConnection c, ByteBuf buf, int from, int to) {
            listener.onEvent(c, buf, from, to);
        }

        @Override
        public void onError(PollingConnection c, String message) {
            done.completeExceptionally(new IllegalStateException("polling client " + c.index + ": " + message));
            listener.onError(c, message);
        }
    }

    private synchronized int takeSources(int n) {
        if (nextSource + n > 254) {
            nextSource = 2;
        }
        int first = nextSource;
        nextSource += n;
        return first;
    }

    /** The connections of one {@link #connect} and how long connecting them took. */
    public record Connected(List<WsConnection> connections, long nanos) {
        public void closeAll() {
            List<ChannelFuture> closing = new ArrayList<>();
            for (WsConnection c : connections) {
                Channel ch = c.channel();
                if (ch != null) {
                    closing.add(ch.close());
                }
            }
            for (ChannelFuture f : closing) {
                f.awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
    }

    private final class Batch implements WsListener {
        private final int port;
        private final int count;
        private final int inFlight;
        private final IntFunction<String> auth;
        private final WsListener listener;
        private final int firstSource;
        private final CompletableFuture<Connected> done;
        private final List<WsConnection> all;
        private int started;
        private int connected;
        private long t0;

        Batch(
                int port,
                int count,
                int inFlight,
                IntFunction<String> auth,
                WsListener listener,
                int firstSource,
                CompletableFuture<Connected> done) {
            this.port = port;
            this.count = count;
            this.inFlight = inFlight;
            this.auth = auth;
            this.listener = listener;
            this.firstSource = firstSource;
            this.done = done;
            this.all = new ArrayList<>(count);
        }

        void start() {
            t0 = System.nanoTime();
            if (count == 0) {
                done.complete(new Connected(all, 0));
                return;
            }
            while (started < Math.min(count, inFlight)) {
                next();
            }
        }

        private void next() {
            int i = started++;
            WsConnection c = new WsConnection("127.0.0.1", port, auth == null ? null : auth.apply(i), i, this);
            all.add(c);
            InetSocketAddress local = new InetSocketAddress("127.0.0." + (firstSource + i / PER_SOURCE_ADDRESS), 0);
            bootstrap(c)
                    .connect(new InetSocketAddress("127.0.0.1", port), local)
                    .addListener((ChannelFuture f) -> {
                        if (!f.isSuccess()) {
                            done.completeExceptionally(
                                    new IllegalStateException("connect " + i + " failed: " + f.cause()));
                        }
                    });
        }

        @Override
        public void onConnected(WsConnection c) {
            connected++;
            listener.onConnected(c);
            if (connected == count) {
                done.complete(new Connected(List.copyOf(all), System.nanoTime() - t0));
            } else if (started < count && !done.isDone()) {
                next();
            }
        }

        @Override
        public void onEvent(WsConnection c, ByteBuf buf, int from, int to, int ackId) {
            listener.onEvent(c, buf, from, to, ackId);
        }

        @Override
        public void onAck(WsConnection c, int ackId, ByteBuf buf, int from, int to) {
            listener.onAck(c, ackId, buf, from, to);
        }

        @Override
        public void onReadComplete(WsConnection c) {
            listener.onReadComplete(c);
        }

        @Override
        public void onClosed(WsConnection c) {
            if (!c.connected()) {
                done.completeExceptionally(
                        new IllegalStateException("connection " + c.index + " closed before" + " Socket.IO connected"));
            }
            listener.onClosed(c);
        }

        @Override
        public void onError(WsConnection c, String message) {
            done.completeExceptionally(new IllegalStateException("connection " + c.index + ": " + message));
            listener.onError(c, message);
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
