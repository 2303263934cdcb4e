package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.courier.AckTimeoutException;
import io.courier.BroadcastOperator;
import io.courier.EventArgs;
import io.courier.RemoteSocket;
import io.courier.adapter.BroadcastOptions;
import io.courier.adapter.Member;
import io.courier.adapter.OutboundPacket;
import io.courier.json.JsonCodec;
import io.courier.protocol.SocketIoPacket;
import io.courier.recovery.RecoveryStore;
import io.netty.util.Timeout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The immutable broadcast operator over one namespace (or all children of a parent). */
final class DefaultBroadcastOperator implements BroadcastOperator {
    private final SocketIoRuntime runtime;
    private final Supplier<Collection<DefaultNamespace>> targets;
    private final Set<String> rooms;
    private final Set<String> except;
    private final boolean droppable;
    private final boolean compress;
    private final boolean local;
    private final Duration timeout;

    DefaultBroadcastOperator(SocketIoRuntime runtime, Supplier<Collection<DefaultNamespace>> targets) {
        this(runtime, targets, Set.of(), Set.of(), false, true, false, null);
    }

    private DefaultBroadcastOperator(
            SocketIoRuntime runtime,
            Supplier<Collection<DefaultNamespace>> targets,
            Set<String> rooms,
            Set<String> except,
            boolean droppable,
            boolean compress,
            boolean local,
            Duration timeout) {
        this.runtime = runtime;
        this.targets = targets;
        this.rooms = rooms;
        this.except = except;
        this.droppable = droppable;
        this.compress = compress;
        this.local = local;
        this.timeout = timeout;
    }

    private static Set<String> plus(Set<String> set, String[] more) {
        Set<String> out = new HashSet<>(set);
        for (String r : more) {
            if (r == null) {
                throw new IllegalArgumentException("room : null (expected: a name)");
            }
            out.add(r);
        }
        return Set.copyOf(out);
    }

    @Override
    public BroadcastOperator to(String... more) {
        return new DefaultBroadcastOperator(
                runtime, targets, plus(rooms, more), except, droppable, compress, local, timeout);
    }

    @Override
    public BroadcastOperator in(String... more) {
        return to(more);
    }

    @Override
    public BroadcastOperator except(String... more) {
        return new DefaultBroadcastOperator(
                runtime, targets, rooms, plus(except, more), droppable, compress, local, timeout);
    }

    @Override
    public BroadcastOperator timeout(Duration t) {
        if (t == null || t.isNegative() || t.isZero()) {
            throw new IllegalArgumentException("timeout : " + t + " (expected: > 0)");
        }
        return new DefaultBroadcastOperator(runtime, targets, rooms, except, droppable, compress, local, t);
    }

    @Override
    public BroadcastOperator droppable() {
        return new DefaultBroadcastOperator(runtime, targets, rooms, except, true, compress, local, timeout);
    }

    @Override
    public BroadcastOperator compress(boolean c) {
        return new DefaultBroadcastOperator(runtime, targets, rooms, except, droppable, c, local, timeout);
    }

    @Override
    public BroadcastOperator local() {
        return new DefaultBroadcastOperator(runtime, targets, rooms, except, droppable, compress, true, timeout);
    }

    private BroadcastOptions options() {
        return new BroadcastOptions(rooms, except, droppable, compress, local);
    }

    @Override
    public boolean emit(String event, Object... args) {
        EventNames.checkEmittable(event);
        ArrayNode data = JsonCodec.toArray(event, args);
        BroadcastOptions options = options();
        RecoveryStore recovery = runtime.recovery();
        for (DefaultNamespace ns : targets.get()) {
            if (recovery != null && !droppable) {
                // connection state recovery: tag with an offset and log, then fan out in offset order
                recovery.append(ns.name(), rooms, except, data, logged -> ns.adapter()
                        .broadcast(
                                OutboundPacket.encode(
                                        SocketIoPacket.event(ns.name(), logged.data()), runtime.encoder()),
                                options));
            } else {
                OutboundPacket packet = OutboundPacket.encode(SocketIoPacket.event(ns.name(), data), runtime.encoder());
                ns.adapter().broadcast(packet, options);
            }
        }
        return true;
    }

    @Override
    public CompletableFuture<List<EventArgs>> emitWithAck(String event, Object... args) {
        EventNames.checkEmittable(event);
        ArrayNode data = JsonCodec.toArray(event, args);
        BroadcastOptions options = options();
        AckCollector collector = new AckCollector();
        for (DefaultNamespace ns : targets.get()) {
            OutboundPacket packet =
                    OutboundPacket.encode(SocketIoPacket.event(ns.name(), ns.nextAckId(), data), runtime.encoder());
            ns.adapter().broadcastWithAck(packet, options, collector::expect, collector::onAck);
        }
        collector.allCounted();
        return collector.future;
    }

    @Override
    public CompletableFuture<List<RemoteSocket>> fetchSockets() {
        BroadcastOptions options = options();
        List<CompletableFuture<List<Member>>> parts = new ArrayList<>();
        for (DefaultNamespace ns : targets.get()) {
            parts.add(ns.adapter().fetchSockets(options));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<RemoteSocket> out = new ArrayList<>();
            for (CompletableFuture<List<Member>> p : parts) {
                for (Member m : p.join()) {
                    if (m instanceof RemoteSocket s) {
                        out.add(s);
                    }
                }
            }
            return out;
        });
    }

    @Override
    public void socketsJoin(String... toJoin) {
        Set<String> set = Set.copyOf(Arrays.asList(toJoin));
        targets.get().forEach(ns -> ns.adapter().addSockets(options(), set));
    }

    @Override
    public void socketsLeave(String... toLeave) {
        Set<String> set = Set.copyOf(Arrays.asList(toLeave));
        targets.get().forEach(ns -> ns.adapter().delSockets(options(), set));
    }

    @Override
    public void disconnectSockets(boolean close) {
        targets.get().forEach(ns -> ns.adapter().disconnectSockets(options(), close));
    }

    /** Gathers the acks of one broadcast; completes when every counted recipient answered, or at the timeout. */
    private final class AckCollector {
        final CompletableFuture<List<EventArgs>> future = new CompletableFuture<>();
        private final List<EventArgs> responses = new ArrayList<>();
        private int expected;
        private boolean counted;
        private Timeout timer;

        synchronized void expect(int n) {
            expected += n;
        }

        void onAck(List<JsonNode> args) {
            List<EventArgs> done = null;
            synchronized (this) {
                responses.add(new EventArgs(args, runtime.mapper()));
                if (counted && responses.size() >= expected) {
                    done = List.copyOf(responses);
                }
            }
            finish(done);
        }

        void allCounted() {
            List<EventArgs> done = null;
            synchronized (this) {
                counted = true;
                if (responses.size() >= expected) {
                    done = List.copyOf(responses);
                } else if (timeout != null) {
                    timer = runtime.timer().newTimeout(t -> timedOut(), timeout.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            finish(done);
        }

        private void timedOut() {
            List<EventArgs> partial;
            synchronized (this) {
                partial = List.copyOf(responses);
            }
            // complete off the timer thread: dependants are user code
            runtime.executor().execute(() -> future.completeExceptionally(new AckTimeoutException(partial)));
        }

        private void finish(List<EventArgs> done) {
            if (done != null) {
                Timeout t;
                synchronized (this) {
                    t = timer;
                }
                if (t != null) {
                    t.cancel();
                }
                future.complete(done);
            }
        }
    }
}
