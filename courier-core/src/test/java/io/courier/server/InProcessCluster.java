package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.courier.adapter.AckCallback;
import io.courier.adapter.Adapter;
import io.courier.adapter.AdapterFactory;
import io.courier.adapter.AdapterTimeoutException;
import io.courier.adapter.BroadcastOptions;
import io.courier.adapter.ClusterAdapter;
import io.courier.adapter.FetchedSockets;
import io.courier.adapter.LocalAdapter;
import io.courier.adapter.Member;
import io.courier.adapter.MemberDirectory;
import io.courier.adapter.OutboundPacket;
import io.courier.adapter.SocketDetails;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * A cluster transport for tests of the {@link Adapter} SPI, inside one JVM: the adapters of one namespace on every
 * node reach each other directly, on a thread of their own as a network transport would, and a node can go silent
 * (it stops answering requests) to show that no request waits forever. Each node is one {@code Courier}; a real
 * cluster adapter (Redis) has its own end-to-end tests.
 */
final class InProcessCluster implements AutoCloseable {
    private final Map<String, List<NodeAdapter>> byNamespace = new ConcurrentHashMap<>();
    private final ExecutorService network = Executors.newSingleThreadExecutor(r -> new Thread(r, "in-process-cluster"));
    /** How long a request waits for the peers unless its options say otherwise; a test may shorten it. */
    volatile Duration requestsTimeout = Duration.ofSeconds(10);

    /** The adapter factory of one node; give each node's {@code CourierConfig} its own. */
    Node node() {
        return new Node();
    }

    @Override
    public void close() {
        network.shutdownNow();
    }

    final class Node implements AdapterFactory {
        volatile boolean silent;

        @Override
        public Adapter create(MemberDirectory namespace) {
            NodeAdapter a = new NodeAdapter(this, namespace);
            byNamespace
                    .computeIfAbsent(namespace.name(), n -> new CopyOnWriteArrayList<>())
                    .add(a);
            return a;
        }
    }

    private final class NodeAdapter extends ClusterAdapter {
        private final Node node;
        private final MemberDirectory namespace;

        NodeAdapter(Node node, MemberDirectory namespace) {
            super(namespace);
            this.node = node;
            this.namespace = namespace;
        }

        private List<NodeAdapter> peers() {
            List<NodeAdapter> out = new ArrayList<>(byNamespace.getOrDefault(namespace.name(), List.of()));
            out.remove(this);
            return out;
        }

        private Duration timeout(BroadcastOptions options) {
            return options.timeout() != null ? options.timeout() : requestsTimeout;
        }

        /** Runs {@code action} on each peer, over the "network", unless the options are local; returns how many. */
        private int toPeers(BroadcastOptions options, java.util.function.Consumer<LocalAdapter> action) {
            if (options.local()) {
                return 0;
            }
            List<NodeAdapter> peers = peers();
            for (NodeAdapter p : peers) {
                network.execute(() -> action.accept(p.local));
            }
            return peers.size();
        }

        /** One answer per peer, or a timeout carrying the answers that came. */
        private <T> CompletableFuture<List<T>> ask(
                List<NodeAdapter> peers, Duration timeout, java.util.function.Function<NodeAdapter, T> question) {
            List<T> answers = new CopyOnWriteArrayList<>();
            CompletableFuture<List<T>> all = new CompletableFuture<>();
            if (peers.isEmpty()) {
                all.complete(List.of());
                return all;
            }
            for (NodeAdapter p : peers) {
                network.execute(() -> {
                    if (p.node.silent) {
                        return;
                    }
                    answers.add(question.apply(p));
                    if (answers.size() == peers.size()) {
                        all.complete(List.copyOf(answers));
                    }
                });
            }
            CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> all.completeExceptionally(new AdapterTimeoutException(
                            answers.size() + " of " + peers.size() + " nodes answered in " + timeout.toMillis() + " ms",
                            List.copyOf(answers))));
            return all;
        }

        @Override
        public void broadcast(OutboundPacket packet, BroadcastOptions options) {
            local.broadcast(packet, options);
            toPeers(options, p -> p.broadcast(packet, options));
        }

        @Override
        public CompletableFuture<Integer> broadcastWithAck(
                OutboundPacket packet, BroadcastOptions options, IntConsumer clientCount, AckCallback ack) {
            local.broadcastWithAck(packet, options, clientCount, ack);
            return CompletableFuture.completedFuture(
                    1 + toPeers(options, p -> p.broadcastWithAck(packet, options, clientCount, ack)));
        }

        @Override
        public CompletableFuture<FetchedSockets> fetchSockets(BroadcastOptions options) {
            List<Member> mine = local.fetchSockets(options).join().local();
            if (options.local()) {
                return CompletableFuture.completedFuture(new FetchedSockets(mine, List.of()));
            }
            return this.<List<SocketDetails>>ask(
                            peers(), timeout(options), p -> p.local.fetchSockets(options).join().local().stream()
                                    .map(Member::describe)
                                    .toList())
                    .thenApply(answers -> new FetchedSockets(
                            mine, answers.stream().flatMap(List::stream).toList()));
        }

        @Override
        public void addSockets(BroadcastOptions options, Set<String> rooms) {
            local.addSockets(options, rooms);
            toPeers(options, p -> p.addSockets(options, rooms));
        }

        @Override
        public void delSockets(BroadcastOptions options, Set<String> rooms) {
            local.delSockets(options, rooms);
            toPeers(options, p -> p.delSockets(options, rooms));
        }

        @Override
        public void disconnectSockets(BroadcastOptions options, boolean close) {
            local.disconnectSockets(options, close);
            toPeers(options, p -> p.disconnectSockets(options, close));
        }

        @Override
        public CompletableFuture<Integer> serverCount() {
            return CompletableFuture.completedFuture(1 + peers().size());
        }

        @Override
        public void serverSideEmit(List<JsonNode> data) {
            for (NodeAdapter p : peers()) {
                network.execute(() -> p.namespace.receiveServerSideEmit(data, null));
            }
        }

        @Override
        public CompletableFuture<List<List<JsonNode>>> serverSideEmitWithAck(List<JsonNode> data) {
            List<NodeAdapter> peers = peers();
            List<List<JsonNode>> answers = new CopyOnWriteArrayList<>();
            CompletableFuture<List<List<JsonNode>>> all = new CompletableFuture<>();
            if (peers.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            for (NodeAdapter p : peers) {
                network.execute(() -> {
                    if (!p.node.silent) {
                        p.namespace.receiveServerSideEmit(data, args -> {
                            answers.add(args);
                            if (answers.size() == peers.size()) {
                                all.complete(List.copyOf(answers));
                            }
                        });
                    }
                });
            }
            CompletableFuture.delayedExecutor(requestsTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> all.completeExceptionally(new AdapterTimeoutException(
                            answers.size() + " of " + peers.size() + " nodes answered", List.copyOf(answers))));
            return all;
        }
    }
}
