package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.courier.AckTimeoutException;
import io.courier.CourierException;
import io.courier.EventArgs;
import io.courier.adapter.AckCallback;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The acknowledgements a socket waits for, by ack id: its own {@code emitWithAck}s, and what broadcasts with acks and
 * durable deliveries registered. Thread-safe; the map is created on the first wait (an idle socket stays small), and
 * every wait settles once: by the ack, its timeout or the close.
 *
 * <p>Waits registered on the socket's event loop ({@link #expectOnLoop}: durable deliveries, registered by the loop task
 * that writes them) live apart, in a {@link LoopAckQueue} only that loop touches: the loop reads their acks too, so
 * they need no concurrent map, no boxed key and no cache line passed between threads per delivery.
 */
final class SocketAcks {
    private final SocketIoRuntime runtime;
    private final HandlerLane lane;
    private volatile Map<Long, AckCallback> pending;
    /** Waits registered on the socket's loop, in registration order; touched on that loop only. */
    private LoopAckQueue onLoop;
    /** Set on the loop once the socket closed: a later registration there would never settle. */
    private boolean loopClosed;

    SocketAcks(SocketIoRuntime runtime, HandlerLane lane) {
        this.runtime = runtime;
        this.lane = lane;
    }

    /** Registers {@code callback} for {@code ackId}, before the packet that asks for it is sent. */
    void expect(long ackId, AckCallback callback) {
        if (map().put(ackId, callback) == null) {
            runtime.stats().ackExpected();
        }
    }

    /**
     * Registers {@code callback} for {@code ackId} on the socket's event loop, right before the packet that asks for it
     * is written there; false once the socket closed (the packet is not sent then either).
     */
    boolean expectOnLoop(long ackId, AckCallback callback) {
        if (loopClosed) {
            return false;
        }
        LoopAckQueue q = onLoop;
        if (q == null) {
            q = onLoop = new LoopAckQueue();
        }
        if (q.add(ackId, callback)) {
            runtime.stats().ackExpected();
        }
        return true;
    }

    /** Like {@link #take}, on the socket's event loop: the waits registered there first. */
    AckCallback takeOnLoop(long ackId) {
        LoopAckQueue q = onLoop;
        if (q != null) {
            AckCallback cb = q.take(ackId);
            if (cb != null) {
                runtime.stats().acksSettled(1);
                return cb;
            }
        }
        return take(ackId);
    }

    /** The callback waiting for {@code ackId}, no longer waiting; null if none (unknown, timed out or closed). */
    AckCallback take(long ackId) {
        Map<Long, AckCallback> m = pending;
        AckCallback cb = m == null ? null : m.remove(ackId);
        if (cb != null) {
            runtime.stats().acksSettled(1);
        }
        return cb;
    }

    /**
     * A future for the client's answer to {@code ackId}, completed on the socket's lane; with a timeout, it fails with
     * {@link AckTimeoutException} when none came in time.
     */
    CompletableFuture<EventArgs> await(long ackId, Duration timeout) {
        CompletableFuture<EventArgs> future = new CompletableFuture<>();
        expect(ackId, new PendingAck(future, runtime));
        if (timeout != null) {
            runtime.timer()
                    .newTimeout(
                            t -> {
                                if (take(ackId) != null) {
                                    lane.execute(
                                            () -> future.completeExceptionally(new AckTimeoutException(List.of())));
                                }
                            },
                            timeout.toMillis(),
                            TimeUnit.MILLISECONDS);
        }
        return future;
    }

    /**
     * The socket closed: its own waits fail, every wait is dropped; on the socket's lane. The waits of its event loop
     * {@code loop} are dropped there.
     */
    void failAll(EventLoop loop) {
        try {
            loop.execute(this::dropOnLoop);
        } catch (RejectedExecutionException stopping) {
            // the loop is gone with its connections: nothing runs there any more
        }
        Map<Long, AckCallback> m = pending;
        if (m == null) {
            return;
        }
        for (AckCallback cb : m.values()) {
            if (cb instanceof PendingAck p) {
                p.future.completeExceptionally(new CourierException("socket has been disconnected"));
            }
        }
        for (Long ackId : m.keySet()) {
            if (m.remove(ackId) != null) { // exact even if an ack or a timeout races with the close
                runtime.stats().acksSettled(1);
            }
        }
    }

    /**
     * On the socket's event loop: drops the waits registered there before {@code ackId} that {@code covered} accepts
     * (a cumulative ack acknowledged them with its own, {@link LoopAckQueue#dropCovered}); they settle without a call.
     */
    void dropCoveredOnLoop(long ackId, Predicate<AckCallback> covered) {
        LoopAckQueue q = onLoop;
        if (q != null) {
            int n = q.dropCovered(ackId, covered);
            if (n > 0) {
                runtime.stats().acksSettled(n);
            }
        }
    }

    private void dropOnLoop() {
        loopClosed = true;
        LoopAckQueue q = onLoop;
        onLoop = null;
        if (q != null && q.size() > 0) {
            runtime.stats().acksSettled(q.size());
        }
    }

    private Map<Long, AckCallback> map() {
        Map<Long, AckCallback> m = pending;
        if (m == null) {
            synchronized (this) {
                m = pending;
                if (m == null) {
                    m = new ConcurrentHashMap<>();
                    pending = m;
                }
            }
        }
        return m;
    }

    /** A server-side ack wait: completes its future (on the socket's lane, where acks are handed). */
    private record PendingAck(CompletableFuture<EventArgs> future, SocketIoRuntime runtime) implements AckCallback {
        @Override
        public void onAck(List<JsonNode> args) {
            future.complete(new EventArgs(args, runtime.mapper()));
        }
    }
}
