package io.courier.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.courier.CourierException;
import io.courier.EventArgs;
import io.courier.Socket.SocketEmitter;
import io.courier.adapter.OutboundPacket;
import io.courier.json.JsonCodec;
import io.courier.protocol.SocketIoPacket;
import io.courier.recovery.RecoveryOutbox;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * An emit to one socket ({@code socket.emit}, {@code socket.timeout(d).emitWithAck}, {@code socket.droppable()}):
 * immutable flags, then the packet encoded for that socket. With connection state recovery on, a plain emit is logged
 * like a broadcast to the socket's own room, so it is replayed if the socket comes back.
 */
final class DirectEmitter implements SocketEmitter {
    private final DefaultSocket socket;
    private final boolean droppable;
    private final Duration timeout;
    private final boolean compress;

    DirectEmitter(DefaultSocket socket, boolean droppable, Duration timeout) {
        this(socket, droppable, timeout, true);
    }

    DirectEmitter(DefaultSocket socket, boolean droppable, Duration timeout, boolean compress) {
        this.socket = socket;
        this.droppable = droppable;
        this.timeout = timeout;
        this.compress = compress;
    }

    @Override
    public SocketEmitter timeout(Duration t) {
        if (t == null || t.isNegative() || t.isZero()) {
            throw new IllegalArgumentException("timeout : " + t + " (expected: > 0)");
        }
        return new DirectEmitter(socket, droppable, t, compress);
    }

    @Override
    public SocketEmitter droppable() {
        return new DirectEmitter(socket, true, timeout, compress);
    }

    @Override
    public SocketEmitter compress(boolean c) {
        return new DirectEmitter(socket, droppable, timeout, c);
    }

    @Override
    public boolean emit(String event, Object... args) {
        EventNames.checkEmittable(event);
        ArrayNode data = JsonCodec.toArray(event, args);
        socket.notifyOutgoing(event, data);
        if (!socket.connected()) {
            return false;
        }
        SocketIoRuntime runtime = socket.runtime();
        String namespace = socket.namespace().name();
        RecoveryOutbox outbox = runtime.outbox();
        if (outbox != null && !droppable) {
            boolean queued = outbox.append(
                    namespace,
                    Set.of(socket.id()),
                    Set.of(),
                    data,
                    tagged -> socket.send(
                            OutboundPacket.encode(SocketIoPacket.event(namespace, tagged), runtime.encoder())
                                    .compressed(compress),
                            false));
            if (!queued) {
                throw DefaultBroadcastOperator.outboxFull();
            }
        } else {
            socket.send(
                    OutboundPacket.encode(SocketIoPacket.event(namespace, data), runtime.encoder())
                            .compressed(compress),
                    droppable);
        }
        return true;
    }

    @Override
    public CompletableFuture<EventArgs> emitWithAck(String event, Object... args) {
        EventNames.checkEmittable(event);
        ArrayNode data = JsonCodec.toArray(event, args);
        if (!socket.connected()) {
            return CompletableFuture.failedFuture(new CourierException("socket has been disconnected"));
        }
        socket.notifyOutgoing(event, data);
        SocketIoRuntime runtime = socket.runtime();
        String namespace = socket.namespace().name();
        long ackId = socket.defaultNamespace().nextAckId();
        CompletableFuture<EventArgs> answer = socket.acks().await(ackId, timeout);
        socket.send(
                OutboundPacket.encode(SocketIoPacket.event(namespace, ackId, data), runtime.encoder())
                        .compressed(compress),
                droppable);
        return answer;
    }
}
