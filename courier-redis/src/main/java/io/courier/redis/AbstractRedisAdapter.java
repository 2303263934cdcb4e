package io.courier.redis;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.adapter.AckCallback;
import io.courier.adapter.AdapterTimeoutException;
import io.courier.adapter.BroadcastOptions;
import io.courier.adapter.ClusterAdapter;
import io.courier.adapter.FetchedSockets;
import io.courier.adapter.Member;
import io.courier.adapter.MemberDirectory;
import io.courier.adapter.OutboundPacket;
import io.courier.adapter.SocketDetails;
import io.courier.msgpack.MsgPack;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * What the two Redis protocols of socket.io ({@link RedisAdapter}, classic pub/sub; {@link ShardedRedisAdapter},
 * sharded pub/sub) share: this node's room index (from {@link ClusterAdapter}: every operation acts on it at once), the
 * requests waiting for the peers' answers with their timeouts, and the JSON shapes of options, packets and sockets.
 */
abstract class AbstractRedisAdapter extends ClusterAdapter {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int EVENT = 2;
    private static final int BINARY_EVENT = 5;
    /** Messages come from any publisher: nesting limited as in {@link MsgPack}. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MsgPack.MAX_DEPTH)
                    .build())
            .build());

    final RedisCluster cluster;
    final MemberDirectory namespace;
    final String uid;
    /** This node's requests waiting for the peers' answers, by request id. */
    private final Map<String, PendingRequest> requests = new ConcurrentHashMap<>();
    /** Completes once Redis confirmed this node reads the adapter's channels. */
    private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
    /** This node's broadcasts with acks whose peers may still count or reply, by request id. */
    private final Map<String, AckRequest> ackRequests = new ConcurrentHashMap<>();

    AbstractRedisAdapter(RedisCluster cluster, MemberDirectory namespace) {
        super(namespace);
        this.cluster = cluster;
        this.namespace = namespace;
        this.uid = cluster.uid();
    }

    /** The operations both protocols carry to the peers, each under its own type code. */
    enum Op {
        SOCKETS_JOIN,
        SOCKETS_LEAVE,
        DISCONNECT_SOCKETS,
        FETCH_SOCKETS
    }

    /** The channels this adapter subscribes to when it starts. */
    abstract List<String> channels();

    /** Publishes {@code body} ({@code {opts, rooms}} or {@code {opts, close}}) as {@code op} to the peers. */
    abstract void publishToPeers(Op op, ObjectNode body);

    /** Publishes {@code body} as {@code op} with a request id and collects the peers' answers. */
    abstract CompletableFuture<List<JsonNode>> askPeers(Op op, ObjectNode body, Duration timeout);

    /** Called with every message on one of its channels, on Lettuce's thread. */
    abstract void onMessage(String channel, byte[] message);

    // ---- operations on every node: here at once, then on the peers unless local

    @Override
    public CompletableFuture<FetchedSockets> fetchSockets(BroadcastOptions options) {
        List<Member> mine = local.fetchSockets(options).join().local();
        if (options.local()) {
            return CompletableFuture.completedFuture(new FetchedSockets(mine, List.of()));
        }
        ObjectNode body = NODES.objectNode();
        body.set("opts", optionsNode(options, false));
        return askPeers(Op.FETCH_SOCKETS, body, timeout(options))
                .thenApply(answers -> new FetchedSockets(mine, socketDetails(answers)));
    }

    @Override
    public void addSockets(BroadcastOptions options, Set<String> rooms) {
        local.addSockets(options, rooms);
        publishRooms(Op.SOCKETS_JOIN, options, rooms);
    }

    @Override
    public void delSockets(BroadcastOptions options, Set<String> rooms) {
        local.delSockets(options, rooms);
        publishRooms(Op.SOCKETS_LEAVE, options, rooms);
    }

    @Override
    public void disconnectSockets(BroadcastOptions options, boolean close) {
        local.disconnectSockets(options, close);
        if (!options.local()) {
            ObjectNode body = NODES.objectNode();
            body.set("opts", optionsNode(options, false));
            body.put("close", close);
            publishToPeers(Op.DISCONNECT_SOCKETS, body);
        }
    }

    private void publishRooms(Op op, BroadcastOptions options, Set<String> rooms) {
        if (!options.local()) {
            ObjectNode body = NODES.objectNode();
            body.set("opts", optionsNode(options, false));
            body.set("rooms", strings(rooms));
            publishToPeers(op, body);
        }
    }

    @Override
    public void close() {
        cluster.unsubscribe(this);
        requests.values()
                .forEach(r -> r.future.completeExceptionally(
                        new AdapterTimeoutException("the server is closing", r.answersSoFar())));
        requests.clear();
        ackRequests.clear();
    }

    // ---- requests and their answers

    /** Called by the cluster with its subscription to this adapter's channels, which requests wait for. */
    void subscribedWhen(CompletableFuture<Void> subscription) {
        subscription.whenComplete((ok, error) -> subscribed.complete(null));
    }

    /**
     * Publishes a request with {@code publish}, which completes with the number of nodes that got it (this one
     * included, as it reads its own channels), and collects one answer from each of the others ({@link #answered}).
     * Fails with {@link AdapterTimeoutException} carrying the answers so far once {@code timeout} has passed (published
     * once this node reads its channels: {@link #publishOnceSubscribed}).
     */
    CompletableFuture<List<JsonNode>> request(
            String requestId, Duration timeout, Supplier<CompletableFuture<Integer>> publish) {
        PendingRequest pending = new PendingRequest();
        // registered before the publish: answers can come before Redis says how many nodes got the request
        requests.put(requestId, pending);
        cluster.timer()
                .schedule(
                        () -> {
                            if (requests.remove(requestId, pending)) {
                                pending.future.completeExceptionally(pending.timedOut(timeout));
                            }
                        },
                        timeout.toMillis(),
                        TimeUnit.MILLISECONDS);
        publishOnceSubscribed(publish).whenComplete((receivers, error) -> {
            if (error != null) {
                if (requests.remove(requestId, pending)) {
                    pending.future.completeExceptionally(
                            error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error);
                }
            } else if (pending.expect(Math.max(0, receivers - 1))) {
                requests.remove(requestId, pending);
            }
        });
        return pending.future;
    }

    /**
     * Publishes a request or a broadcast with acks once this node reads its channels (so that the count includes it
     * and the answers reach it); completes with the number of nodes that got it, this one included, or fails with
     * {@link AdapterTimeoutException} if Redis did not take it.
     */
    CompletableFuture<Integer> publishOnceSubscribed(Supplier<CompletableFuture<Integer>> publish) {
        return subscribed
                .thenCompose(ok -> publish.get())
                .exceptionallyCompose(error -> CompletableFuture.failedFuture(new AdapterTimeoutException(
                        "could not publish to the other nodes: " + error.getMessage(), List.of())));
    }

    /** One peer's answer to a request of this node; ignored if the request is over or unknown. */
    void answered(String requestId, JsonNode answer) {
        PendingRequest pending = requests.get(requestId);
        if (pending != null && pending.answer(answer)) {
            requests.remove(requestId, pending);
        }
    }

    boolean isPendingRequest(String requestId) {
        return requestId != null && requests.containsKey(requestId);
    }

    /** Registers a broadcast with acks: peers count and reply within its timeout; later answers go nowhere. */
    void expectAcks(String requestId, BroadcastOptions options, IntConsumer clientCount, AckCallback ack) {
        ackRequests.put(requestId, new AckRequest(clientCount, ack));
        cluster.timer()
                .schedule(() -> ackRequests.remove(requestId), timeout(options).toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isPendingBroadcast(String requestId) {
        return requestId != null && ackRequests.containsKey(requestId);
    }

    /** A peer counted the recipients of one of this node's broadcasts with acks. */
    void counted(String requestId, int clients) {
        AckRequest r = ackRequests.get(requestId);
        if (r != null) {
            r.clientCount.accept(clients);
        }
    }

    /** A recipient on a peer replied to one of this node's broadcasts with acks (one value, as socket.io sends). */
    void acked(String requestId, JsonNode reply) {
        AckRequest r = ackRequests.get(requestId);
        if (r != null) {
            r.ack.onAck(List.of(reply));
        }
    }

    /** Runs a peer's broadcast with acks here; {@code count} and {@code reply} send the answers back. */
    void broadcastWithAckFromPeer(JsonNode packet, JsonNode opts, IntConsumer count, AckCallback reply) {
        ArrayNode data = eventData(packet);
        if (data != null) {
            local.broadcastWithAck(namespace.encodeEvent(data, true), localOptions(opts), count, reply);
        }
    }

    /** Runs a peer's broadcast here. */
    void broadcastFromPeer(JsonNode packet, JsonNode opts) {
        ArrayNode data = eventData(packet);
        if (data != null) {
            local.broadcast(namespace.encodeEvent(data, false), localOptions(opts));
        }
    }

    /** Hands a peer's server-side emit to the namespace; {@code reply} is null when the peer wants no answer. */
    void serverSideEmitFromPeer(JsonNode data, AckCallback reply) {
        if (data == null || !data.isArray()) {
            throw new MalformedMessageException("a server-side emit carries [event, ...args]");
        }
        List<JsonNode> args = new ArrayList<>(data.size());
        data.forEach(args::add);
        namespace.receiveServerSideEmit(args, reply);
    }

    /** This node's sockets matching a peer's options, in socket.io's wire shape. */
    ArrayNode describeSockets(JsonNode opts) {
        ArrayNode sockets = NODES.arrayNode();
        local.fetchSockets(localOptions(opts)).join().local().forEach(m -> sockets.add(socketNode(m.describe())));
        return sockets;
    }

    /** The sockets the peers' answers ({@code {requestId, sockets}}) describe. */
    static List<SocketDetails> socketDetails(List<JsonNode> answers) {
        List<SocketDetails> remote = new ArrayList<>();
        for (JsonNode answer : answers) {
            for (JsonNode s : answer.path("sockets")) {
                remote.add(socketDetails(s));
            }
        }
        return remote;
    }

    Duration timeout(BroadcastOptions options) {
        return options.timeout() != null ? options.timeout() : cluster.requestsTimeout();
    }

    static String newRequestId() {
        return UUID.randomUUID().toString();
    }

    /** The number of nodes, failing cleanly if Redis does not say in time. */
    CompletableFuture<Integer> count(CompletableFuture<Integer> subscribers) {
        Duration timeout = cluster.requestsTimeout();
        return subscribers
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(new AdapterTimeoutException(
                        "Redis did not say how many nodes there are within " + timeout.toMillis() + " ms: "
                                + e.getMessage(),
                        List.of())));
    }

    // ---- wire shapes

    static byte[] json(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a tree of plain nodes always writes
        }
    }

    /** JSON if it starts with '{', as socket.io decides; msgpack otherwise. */
    static JsonNode parse(byte[] message) {
        if (message.length > 0 && message[0] == '{') {
            try {
                return JSON.readTree(message);
            } catch (JacksonException e) {
                throw new MalformedMessageException("bad JSON: " + e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw new MalformedMessageException("bad JSON: " + e.getMessage(), e);
            }
        }
        return MsgPack.decode(message);
    }

    /** {@code {type: 2, data: [event, ...args], nsp}}, as socket.io puts a broadcast packet on the wire. */
    ObjectNode packetNode(OutboundPacket packet) {
        ObjectNode node = NODES.objectNode();
        node.put("type", EVENT);
        node.set("data", packet.packet().data());
        node.put("nsp", namespace.name());
        return node;
    }

    /**
     * The event's {@code [event, ...args]} if the packet is an event of this namespace (a missing nsp is {@code /}),
     * null if it belongs to another namespace.
     */
    private ArrayNode eventData(JsonNode packet) {
        if (packet == null || !packet.isObject()) {
            throw new MalformedMessageException("a packet is an object");
        }
        JsonNode nsp = packet.get("nsp");
        String name = nsp == null || nsp.isNull() ? "/" : nsp.asText();
        if (!name.equals(namespace.name())) {
            return null;
        }
        int type = intField(packet, "type");
        JsonNode data = packet.get("data");
        if ((type != EVENT && type != BINARY_EVENT)
                || data == null
                || !data.isArray()
                || data.isEmpty()
                || !data.get(0).isTextual()) {
            throw new MalformedMessageException("a broadcast packet is an event: {type: 2, data: [event, ...args]}");
        }
        return (ArrayNode) data;
    }

    /** {@code {rooms, except, flags}}; flags only with the broadcast's own ({@code volatile}, {@code compress}...). */
    static ObjectNode optionsNode(BroadcastOptions options, boolean withFlags) {
        ObjectNode node = NODES.objectNode();
        ArrayNode rooms = node.putArray("rooms");
        options.rooms().forEach(rooms::add);
        ArrayNode except = node.putArray("except");
        options.except().forEach(except::add);
        if (withFlags) {
            ObjectNode flags = node.putObject("flags");
            if (options.droppable()) {
                flags.put("volatile", true);
            }
            if (!options.compress()) {
                flags.put("compress", false);
            }
            if (options.timeout() != null) {
                flags.put("timeout", options.timeout().toMillis());
            }
        }
        return node;
    }

    /** A peer's {@code {rooms, except, flags}} as options for this node's sockets only. */
    static BroadcastOptions localOptions(JsonNode opts) {
        if (opts == null || !opts.isObject()) {
            throw new MalformedMessageException("opts is an object {rooms, except}");
        }
        JsonNode flags = opts.path("flags");
        return new BroadcastOptions(
                stringSet(opts.path("rooms")),
                stringSet(opts.path("except")),
                flags.path("volatile").asBoolean(false),
                flags.path("compress").asBoolean(true),
                true);
    }

    /** Room names: strings, or numbers (socket.io allows numeric rooms) as their text. */
    static Set<String> stringSet(JsonNode array) {
        if (array.isMissingNode() || array.isNull()) {
            return Set.of();
        }
        if (!array.isArray()) {
            throw new MalformedMessageException("rooms are an array");
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode room : array) {
            if (!room.isTextual() && !room.isNumber()) {
                throw new MalformedMessageException("a room is a string or a number");
            }
            out.add(room.asText());
        }
        return out;
    }

    static ArrayNode strings(Set<String> values) {
        ArrayNode out = NODES.arrayNode();
        values.forEach(out::add);
        return out;
    }

    private static ObjectNode socketNode(SocketDetails socket) {
        ObjectNode node = NODES.objectNode();
        node.put("id", socket.id());
        node.set("handshake", socket.handshake());
        node.set("rooms", strings(socket.rooms()));
        node.set("data", socket.data());
        return node;
    }

    private static SocketDetails socketDetails(JsonNode node) {
        String id = node.path("id").textValue();
        if (id == null) {
            throw new MalformedMessageException("a fetched socket has no id");
        }
        JsonNode handshake = node.path("handshake");
        return new SocketDetails(
                id,
                stringSet(node.path("rooms")),
                handshake.isObject() ? handshake : NODES.objectNode(),
                node.path("data").isMissingNode() ? NODES.nullNode() : node.get("data"));
    }

    static int intField(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new MalformedMessageException(field + " is not an integer");
        }
        return v.intValue();
    }

    static String textField(JsonNode node, String field) {
        String v = node.path(field).textValue();
        if (v == null) {
            throw new MalformedMessageException(field + " is not a string");
        }
        return v;
    }

    private record AckRequest(IntConsumer clientCount, AckCallback ack) {}

    /** A request's answers, until as many came as Redis said nodes got it (less this one). */
    private static final class PendingRequest {
        final CompletableFuture<List<JsonNode>> future = new CompletableFuture<>();
        /** -1 until Redis said. */
        private int expected = -1;

        private final List<JsonNode> answers = new ArrayList<>();

        /** Adds one peer's answer; true once every peer answered (and the future is complete). */
        boolean answer(JsonNode answer) {
            synchronized (this) {
                answers.add(answer);
            }
            return completeIfAllCame();
        }

        /** Sets how many peers got the request; true if they all answered already (and the future is complete). */
        boolean expect(int peers) {
            synchronized (this) {
                expected = peers;
            }
            return completeIfAllCame();
        }

        private boolean completeIfAllCame() {
            List<JsonNode> all;
            synchronized (this) {
                if (expected < 0 || answers.size() < expected) {
                    return false;
                }
                all = List.copyOf(answers);
            }
            future.complete(all);
            return true;
        }

        synchronized List<JsonNode> answersSoFar() {
            return List.copyOf(answers);
        }

        synchronized AdapterTimeoutException timedOut(Duration timeout) {
            String of = expected < 0 ? "? (Redis did not say how many got the request)" : String.valueOf(expected);
            return new AdapterTimeoutException(
                    answers.size() + " of " + of + " nodes answered in " + timeout.toMillis() + " ms",
                    List.copyOf(answers));
        }
    }
}
