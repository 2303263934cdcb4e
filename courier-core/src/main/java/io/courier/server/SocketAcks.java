package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.courier.AckTimeoutException;
import io.courier.CourierException;
import io.courier.EventArgs;
import io.courier.adapter.AckCallback;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The acknowledgements a socket waits for, by ack id: its own {@code emitWithAck}s, and what broadcasts with acks
 * registered. Thread-safe; the map is created on the first wait (an idle socket stays small), and
 * every wait settles once: by the ack, its timeout or the close. Durable deliveries wait for their acks elsewhere, in
 * their pumps ({@code DurableDelivery}, {@link InFlightRing}): an ack no wait here takes goes to them.
 */
final class SocketAcks {
    private final SocketIoRuntime runtime;
    private final HandlerLane lane;
    private volatile Map<Long, AckCallback> pending;

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

    /** The socket closed: its own waits fail, every wait is dropped; on the socket's lane. */
    void failAll() {
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
