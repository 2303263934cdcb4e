package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.courier.AckTimeoutException;
import io.courier.BroadcastOperator;
import io.courier.CourierException;
import io.courier.EventArgs;
import io.courier.RemoteSocket;
import io.courier.adapter.BroadcastOptions;
import io.courier.adapter.FetchedSockets;
import io.courier.adapter.Member;
import io.courier.adapter.OutboundPacket;
import io.courier.adapter.SocketDetails;
import io.courier.json.JsonCodec;
import io.courier.protocol.SocketIoPacket;
import io.courier.recovery.RecoveryOutbox;
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
        return new BroadcastOptions(rooms, except, droppable, compress, local, timeout);
    }

    @Override
    public boolean emit(String event, Object... args) {
        EventNames.checkEmittable(event);
        ArrayNode data = JsonCodec.toArray(event, args);
        BroadcastOptions options = options();
        RecoveryOutbox outbox = runtime.outbox();
        for (DefaultNamespace ns : targets.get()) {
            if (outbox != null && !droppable) {
                // connection state recovery: tag with an offset and log, then fan out in offset order
                boolean queued = outbox.append(ns.name(), rooms, except, data, tagged -> ns.adapter()
                        .broadcast(
                                OutboundPacket.encode(SocketIoPacket.event(ns.name(), tagged), runtime.encoder()),
                                options));
                if (!queued) {
                    throw outboxFull();
                }
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
        List<CompletableFuture<Integer>> nodes = new ArrayList<>();
        for (DefaultNamespace ns : targets.get()) {
            OutboundPacket packet =
                    OutboundPacket.encode(SocketIoPacket.event(ns.name(), ns.nextAckId(), data), runtime.encoder());
            nodes.add(ns.adapter().broadcastWithAck(packet, options, collector::counted, collector::onAck));
        }
        CompletableFuture.allOf(nodes.toArray(CompletableFuture[]::new)).whenComplete((v, error) -> {
            if (error != null) {
                collector.failed(error);
            } else {
                collector.nodesKnown(
                        nodes.stream().mapToInt(CompletableFuture::join).sum());
            }
        });
        return collector.future;
    }

    /** This node's sockets as they are, the peers' as {@link PeerSocket}s acting through the cluster. */
    @Override
    public CompletableFuture<List<RemoteSocket>> fetchSockets() {
        BroadcastOptions options = options();
        List<DefaultNamespace> namespaces = List.copyOf(targets.get());
        List<CompletableFuture<FetchedSockets>> parts = new ArrayList<>();
        for (DefaultNamespace ns : namespaces) {
            parts.add(ns.adapter().fetchSockets(options));
        }
        // completed off the adapter's thread (a cluster's I/O thread): what depends on it is user code
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApplyAsync(
                        v -> {
                            List<RemoteSocket> out = new ArrayList<>();
                            for (int i = 0; i < parts.size(); i++) {
                                DefaultNamespace ns = namespaces.get(i);
                                FetchedSockets found = parts.get(i).join();
                                for (Member m : found.local()) {
                                    DefaultSocket s = ns.socket(m.id());
                                    if (s != null) {
                                        out.add(s);
                                    }
                                }
                                for (SocketDetails d : found.remote()) {
                                    out.add(new PeerSocket(ns, d, runtime.mapper()));
                                }
                            }
                            return out;
                        },
                        runtime.executor());
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

    /**
     * Gathers the acks of one broadcast, as socket.io does in a cluster: every node reports how many of its sockets
     * got the packet ({@link io.courier.adapter.Adapter#broadcastWithAck}'s {@code clientCount}, possibly after the
     * call returns), and the broadcast is answered when all nodes reported and every counted socket replied, or fails
     * at the timeout with the replies so far.
     */
    private final class AckCollector {
        final CompletableFuture<List<EventArgs>> future = new CompletableFuture<>();
        private final List<EventArgs> responses = new ArrayList<>();
        private int expectedClients;
        private int nodesCounted;
        private int nodes = -1; // unknown until the adapters say how many nodes their broadcasts reached
        private Timeout timer;

        AckCollector() {
            if (timeout != null) {
                timer = runtime.timer().newTimeout(t -> timedOut(), timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        void counted(int clients) {
            List<EventArgs> done;
            synchronized (this) {
                expectedClients += clients;
                nodesCounted++;
                done = completeIfDone();
            }
            finish(done);
        }

        void onAck(List<JsonNode> args) {
            List<EventArgs> done;
            synchronized (this) {
                responses.add(new EventArgs(args, runtime.mapper()));
                done = completeIfDone();
            }
            finish(done);
        }

        void nodesKnown(int n) {
            List<EventArgs> done;
            synchronized (this) {
                nodes = n;
                done = completeIfDone();
            }
            finish(done);
        }

        void failed(Throwable error) {
            cancelTimer();
            future.completeExceptionally(error);
        }

        private List<EventArgs> completeIfDone() {
            return nodes >= 0 && nodesCounted >= nodes && responses.size() >= expectedClients
                    ? List.copyOf(responses)
                    : null;
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
                cancelTimer();
                // the last count or reply may come on a cluster adapter's I/O thread: dependants are user code
                runtime.executor().execute(() -> future.complete(done));
            }
        }

        private void cancelTimer() {
            Timeout t;
            synchronized (this) {
                t = timer;
            }
            if (t != null) {
                t.cancel();
            }
        }
    }

    /** The error of an emit refused because connection state recovery's outbox is full. */
    static CourierException outboxFull() {
        return new CourierException("connection state recovery: " + SocketIoRuntime.RECOVERY_OUTBOX_BOUND
                + " emits and restores are waiting for the recovery store; this emit was not sent");
    }
}
