package io.courier.engine;

import io.courier.engine.codec.EngineIoPacketDecoder;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An {@link EngineIoServer} driven on virtual time.
 *
 * <p>{@link #loop} is an {@link EmbeddedChannel} with frozen time: it owns every session the harness opens (polling
 * sessions run on its event loop; a WebSocket-only session uses it as its socket, {@link #socket}), and
 * {@link #advance} moves its clock. {@code EmbeddedEventLoop.inEventLoop()} is true on every thread, so session calls
 * made by a test run inline; nothing is queued.
 */
final class EngineHarness implements AutoCloseable {
    static final long PING_INTERVAL = 300;
    static final long PING_TIMEOUT = 200;
    static final long UPGRADE_TIMEOUT = 1000;
    static final int MAX_PAYLOAD = 12_345;
    /** How long a client-closed polling session stays known (EngineIoSession.LINGER_MILLIS). */
    static final long LINGER = 1000;

    /** The polling record separator. */
    static final String RS = "\u001e";

    final EmbeddedChannel loop = new EmbeddedChannel();
    /** {@link #loop} seen as a WebSocket: the socket of a session opened with {@link #openWebSocket()}. */
    final TestSocket socket = new TestSocket(loop);

    final EngineIoServer server;
    private final Map<EngineIoSession, RecordingListener> listeners = new IdentityHashMap<>();
    private final List<TestSocket> sockets = new ArrayList<>();

    EngineHarness() {
        this(config());
    }

    EngineHarness(EngineIoConfig config) {
        loop.freezeTime();
        server = new EngineIoServer(config, session -> {
            RecordingListener listener = new RecordingListener();
            listeners.put(session, listener);
            return listener;
        });
    }

    static EngineIoConfig config() {
        return config(16L * 1024 * 1024);
    }

    static EngineIoConfig config(long maxBufferedBytes) {
        return config(PING_INTERVAL, PING_TIMEOUT, maxBufferedBytes);
    }

    static EngineIoConfig config(long pingInterval, long pingTimeout, long maxBufferedBytes) {
        return new EngineIoConfig(
                Duration.ofMillis(pingInterval),
                Duration.ofMillis(pingTimeout),
                Duration.ofMillis(UPGRADE_TIMEOUT),
                MAX_PAYLOAD,
                maxBufferedBytes,
                Set.of(EngineIoConfig.POLLING, EngineIoConfig.WEBSOCKET),
                true);
    }

    static EngineIoRequest request(String transport) {
        return new EngineIoRequest(
                "/engine.io/?EIO=4&transport=" + transport,
                Map.of("EIO", "4", "transport", transport),
                Map.of("host", "localhost"),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 50_000),
                false,
                0);
    }

    /** A polling session owned by {@link #loop}. */
    EngineIoSession openPolling() {
        return server.openPolling(loop.eventLoop(), request(EngineIoConfig.POLLING));
    }

    /** A WebSocket-only session on {@link #socket}; its first frame is the open packet. */
    EngineIoSession openWebSocket() {
        return server.openWebSocket(socket.transport, request(EngineIoConfig.WEBSOCKET));
    }

    /** Another WebSocket connection (an upgrade probe). Its own embedded loop; the session's timers stay on loop. */
    TestSocket newSocket() {
        TestSocket s = new TestSocket(new EmbeddedChannel());
        sockets.add(s);
        return s;
    }

    /** The listener the server's session handler returned for this session. */
    RecordingListener listener(EngineIoSession session) {
        RecordingListener l = listeners.get(session);
        if (l == null) {
            throw new IllegalStateException("no listener for " + session.sid());
        }
        return l;
    }

    /** A long-poll GET from the client. */
    RecordingPoll poll(EngineIoSession session) {
        RecordingPoll poll = new RecordingPoll();
        session.onPoll(poll);
        return poll;
    }

    /** A POST from the client with this polling payload; returns the session's verdict, once its packets ran. */
    EngineIoSession.PostOutcome post(EngineIoSession session, String payload) {
        AtomicReference<EngineIoSession.PostOutcome> outcome = new AtomicReference<>();
        session.onPost(EngineIoPacketDecoder.decodePayload(payload.getBytes(StandardCharsets.UTF_8)), outcome::set);
        return outcome.get();
    }

    /**
     * Moves virtual time forward by {@code millis}, running every timer at its own deadline (a task scheduled by a
     * task runs at its deadline too, not at the end of the step).
     */
    void advance(long millis) {
        long remaining = TimeUnit.MILLISECONDS.toNanos(millis);
        loop.runPendingTasks();
        while (true) {
            long next = loop.runScheduledPendingTasks();
            if (next < 0 || next > remaining) {
                loop.advanceTimeBy(remaining, TimeUnit.NANOSECONDS);
                loop.runPendingTasks();
                loop.checkException();
                return;
            }
            loop.advanceTimeBy(next, TimeUnit.NANOSECONDS);
            remaining -= next;
        }
    }

    /** Timers scheduled on {@link #loop} and not yet run or cancelled (cancelling removes them at once). */
    int timers() {
        return scheduledTaskCount(loop.eventLoop());
    }

    private static int scheduledTaskCount(EventLoop loop) {
        try {
            Field f = AbstractScheduledEventExecutor.class.getDeclaredField("scheduledTaskQueue");
            f.setAccessible(true);
            Collection<?> queue = (Collection<?>) f.get(loop);
            return queue == null ? 0 : queue.size();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read the scheduled task queue of " + loop, e);
        }
    }

    @Override
    public void close() {
        try {
            loop.checkException();
        } finally {
            for (TestSocket s : sockets) {
                s.channel.finishAndReleaseAll();
            }
            loop.finishAndReleaseAll();
        }
    }
}
