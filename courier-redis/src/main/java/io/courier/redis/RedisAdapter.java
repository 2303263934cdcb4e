package io.courier.redis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.adapter.AckCallback;
import io.courier.adapter.Adapter;
import io.courier.adapter.AdapterTimeoutException;
import io.courier.adapter.BroadcastOptions;
import io.courier.adapter.FetchedSockets;
import io.courier.adapter.LocalAdapter;
import io.courier.adapter.Member;
import io.courier.adapter.MemberDirectory;
import io.courier.adapter.OutboundPacket;
import io.courier.adapter.RoomListener;
import io.courier.adapter.SocketDetails;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * One namespace's adapter in a Redis cluster, speaking {@code @socket.io/redis-adapter} 8's classic pub/sub protocol,
 * so Courier nodes, Node.js socket.io servers with that adapter and {@code @socket.io/redis-emitter} share one cluster.
 *
 * <p>Channels, for key {@code k} and namespace {@code /n}: broadcasts on {@code k#/n#} (or {@code k#/n#room#} when
 * they target exactly one room), msgpack {@code [uid, packet, opts]}; requests on {@code k-request#/n#}, responses on
 * {@code k-response#/n#} and {@code k-response#/n#<uid>#}, JSON unless they carry packets (msgpack). The room index
 * is this node's {@link LocalAdapter}; every operation acts on it at once and, unless local, is published to the
 * peers. A broadcast is encoded once to publish and once per receiving node.
 *
 * <p>Every method returns without waiting on Redis. Requests that need the peers' answers ask how many nodes there
 * are ({@code PUBSUB NUMSUB} of the request channel), wait for that many answers, and fail with {@link
 * AdapterTimeoutException} (carrying the answers so far) after the request's timeout. A message that breaks the
 * protocol (from a foreign publisher, say) is dropped and counted; see {@link RedisCluster#dropped}.
 */
final class RedisAdapter implements Adapter {
    // request types of @socket.io/redis-adapter
    static final int SOCKETS = 0;
    static final int ALL_ROOMS = 1;
    static final int REMOTE_JOIN = 2;
    static final int REMOTE_LEAVE = 3;
    static final int REMOTE_DISCONNECT = 4;
    static final int REMOTE_FETCH = 5;
    static final int SERVER_SIDE_EMIT = 6;
    static final int BROADCAST = 7;
    static final int BROADCAST_CLIENT_COUNT = 8;
    static final int BROADCAST_ACK = 9;
    private static final int EVENT = 2;
    private static final int BINARY_EVENT = 5;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Requests come from any publisher: nesting limited as in {@link MsgPack}. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MsgPack.MAX_DEPTH)
                    .build())
            .build());

    private final RedisCluster cluster;
    private final MemberDirectory namespace;
    private final LocalAdapter local;
    private final String uid;
    private final String broadcastChannel;
    private final String requestChannel;
    private final String responseChannel;
    private final String specificResponseChannel;
    /** This node's requests waiting for the peers' answers, by request id. */
    private final Map<String, PendingRequest> requests = new ConcurrentHashMap<>();
    /** This node's broadcasts with acks whose peers may still count or reply, by request id. */
    private final Map<String, AckRequest> ackRequests = new ConcurrentHashMap<>();

    RedisAdapter(RedisCluster cluster, MemberDirectory namespace) {
        this.cluster = cluster;
        this.namespace = namespace;
        this.local = new LocalAdapter(namespace);
        this.uid = cluster.uid();
        String nsp = namespace.name();
        this.broadcastChannel = cluster.key() + "#" + nsp + "#";
        this.requestChannel = cluster.key() + "-request#" + nsp + "#";
        this.responseChannel = cluster.key() + "-response#" + nsp + "#";
        this.specificResponseChannel = responseChannel + uid + "#";
    }

    /** The exact channels this adapter reads: requests, responses, and responses meant for this node only. */
    List<String> channels() {
        return List.of(requestChannel, responseChannel, specificResponseChannel);
    }

    /** The pattern of every broadcast channel of the namespace (glob characters in its name escaped). */
    String broadcastPattern() {
        return broadcastChannel.replaceAll("([\\\\*?\\[\\]])", "\\\\$1") + "*";
    }

    // ---- the room index: this node's sockets

    @Override
    public void addAll(String socketId, Set<String> rooms) {
        local.addAll(socketId, rooms);
    }

    @Override
    public void del(String socketId, String room) {
        local.del(socketId, room);
    }

    @Override
    public void delAll(String socketId) {
        local.delAll(socketId);
    }

    @Override
    public Set<String> socketRooms(String socketId) {
        return local.socketRooms(socketId);
    }

    @Override
    public Set<String> sockets(Set<String> rooms) {
        return local.sockets(rooms);
    }

    @Override
    public void addRoomListener(RoomListener listener) {
        local.addRoomListener(listener);
    }

    // ---- operations on every node

    @Override
    public void broadcast(OutboundPacket packet, BroadcastOptions options) {
        if (!options.local()) {
            ArrayNode message = NODES.arrayNode().add(uid);
            message.add(packetNode(packet));
            message.add(optionsNode(options, true));
            String channel = broadcastChannel;
            if (options.rooms().size() == 1) {
                channel += options.rooms().iterator().next() + "#";
            }
            cluster.publish(channel, MsgPack.encode(message));
        }
        local.broadcast(packet, options);
    }

    @Override
    public void broadcastWithAck(
            OutboundPacket packet, BroadcastOptions options, IntConsumer clientCount, AckCallback ack) {
        if (!options.local()) {
            String requestId = newRequestId();
            ackRequests.put(requestId, new AckRequest(clientCount, ack));
            // peers count and reply within the broadcast's timeout; later answers have no one to go to
            cluster.timer()
                    .schedule(
                            () -> ackRequests.remove(requestId),
                            timeout(options).toMillis(),
                            TimeUnit.MILLISECONDS);
            ObjectNode request = request(BROADCAST, requestId);
            request.set("packet", packetNode(packet));
            request.set("opts", optionsNode(options, true));
            cluster.publish(requestChannel, MsgPack.encode(request));
        }
        local.broadcastWithAck(packet, options, clientCount, ack);
    }

    @Override
    public CompletableFuture<FetchedSockets> fetchSockets(BroadcastOptions options) {
        List<Member> mine = local.fetchSockets(options).join().local();
        if (options.local()) {
            return CompletableFuture.completedFuture(new FetchedSockets(mine, List.of()));
        }
        ObjectNode request = request(REMOTE_FETCH, newRequestId());
        request.set("opts", optionsNode(options, false));
        return ask(request, timeout(options)).thenApply(answers -> {
            List<SocketDetails> remote = new ArrayList<>();
            for (JsonNode answer : answers) {
                for (JsonNode s : answer.path("sockets")) {
                    remote.add(socketDetails(s));
                }
            }
            return new FetchedSockets(mine, remote);
        });
    }

    @Override
    public void addSockets(BroadcastOptions options, Set<String> rooms) {
        local.addSockets(options, rooms);
        publishRoomRequest(REMOTE_JOIN, options, rooms);
    }

    @Override
    public void delSockets(BroadcastOptions options, Set<String> rooms) {
        local.delSockets(options, rooms);
        publishRoomRequest(REMOTE_LEAVE, options, rooms);
    }

    @Override
    public void disconnectSockets(BroadcastOptions options, boolean close) {
        local.disconnectSockets(options, close);
        if (!options.local()) {
            ObjectNode request = request(REMOTE_DISCONNECT, null);
            request.set("opts", optionsNode(options, false));
            request.put("close", close);
            publishJson(requestChannel, request);
        }
    }

    private void publishRoomRequest(int type, BroadcastOptions options, Set<String> rooms) {
        if (!options.local()) {
            ObjectNode request = request(type, null);
            request.set("opts", optionsNode(options, false));
            ArrayNode names = request.putArray("rooms");
            rooms.forEach(names::add);
            publishJson(requestChannel, request);
        }
    }

    @Override
    public CompletableFuture<Integer> serverCount() {
        Duration timeout = cluster.requestsTimeout();
        return cluster.subscribers(requestChannel)
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(new AdapterTimeoutException(
                        "Redis did not say how many nodes there are within " + timeout.toMillis() + " ms: "
                                + e.getMessage(),
                        List.of())));
    }

    @Override
    public void serverSideEmit(List<JsonNode> data) {
        ObjectNode request = request(SERVER_SIDE_EMIT, null);
        request.set("data", NODES.arrayNode().addAll(data));
        publishJson(requestChannel, request);
    }

    /**
     * Each peer answers with one value (socket.io's server-side acks take one argument): each answer is that value as
     * a one-element list.
     */
    @Override
    public CompletableFuture<List<List<JsonNode>>> serverSideEmitWithAck(List<JsonNode> data) {
        ObjectNode request = request(SERVER_SIDE_EMIT, newRequestId());
        request.set("data", NODES.arrayNode().addAll(data));
        return ask(request, cluster.requestsTimeout()).thenApply(answers -> {
            List<List<JsonNode>> out = new ArrayList<>(answers.size());
            for (JsonNode answer : answers) {
                out.add(List.of(answer.path("data")));
            }
            return out;
        });
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

    /**
     * Publishes {@code request} to the peers, which number the request channel's subscribers minus this node, and
     * collects their answers.
     */
    private CompletableFuture<List<JsonNode>> ask(ObjectNode request, Duration timeout) {
        String requestId = request.get("requestId").textValue();
        return serverCount().thenCompose(nodes -> {
            int peers = nodes - 1;
            if (peers <= 0) {
                return CompletableFuture.completedFuture(List.of());
            }
            PendingRequest pending = new PendingRequest(peers);
            requests.put(requestId, pending);
            cluster.timer()
                    .schedule(
                            () -> {
                                if (requests.remove(requestId, pending)) {
                                    List<JsonNode> partial = pending.answersSoFar();
                                    pending.future.completeExceptionally(new AdapterTimeoutException(
                                            partial.size() + " of " + peers + " nodes answered in " + timeout.toMillis()
                                                    + " ms",
                                            partial));
                                }
                            },
                            timeout.toMillis(),
                            TimeUnit.MILLISECONDS);
            publishJson(requestChannel, request);
            return pending.future;
        });
    }

    // ---- what the peers send

    /** A message on one of the namespace's broadcast channels. */
    void onBroadcast(String channel, byte[] message) {
        try {
            if (!channel.startsWith(broadcastChannel)) {
                return;
            }
            if (channel.length() > broadcastChannel.length()) {
                String room = channel.substring(broadcastChannel.length(), channel.length() - 1);
                if (!room.isEmpty() && !local.hasRoom(room)) {
                    return; // no one here is in the room: not even worth decoding
                }
            }
            JsonNode decoded = MsgPack.decode(message);
            if (!decoded.isArray() || decoded.size() < 3) {
                throw new MalformedMessageException("a broadcast is [uid, packet, opts]");
            }
            if (uid.equals(decoded.get(0).textValue())) {
                return; // our own, already delivered here
            }
            ArrayNode data = eventData(decoded.get(1));
            if (data == null) {
                return; // another namespace's
            }
            JsonNode opts = decoded.get(2);
            local.broadcast(namespace.encodeEvent(data, false), localOptions(opts));
        } catch (MalformedMessageException | IllegalArgumentException e) {
            cluster.dropped(channel, e);
        }
    }

    /** A message on the request channel or one of the response channels. */
    void onRequestChannel(String channel, byte[] message) {
        try {
            JsonNode decoded = parse(message);
            if (!decoded.isObject()) {
                throw new MalformedMessageException("a request or response is an object");
            }
            if (channel.equals(requestChannel)) {
                onRequest(decoded);
            } else {
                onResponse(decoded);
            }
        } catch (MalformedMessageException | IllegalArgumentException e) {
            cluster.dropped(channel, e);
        }
    }

    private void onRequest(JsonNode request) {
        String from = request.path("uid").textValue();
        String requestId = request.path("requestId").textValue();
        boolean ours = uid.equals(from);
        switch (intField(request, "type")) {
            case SOCKETS -> {
                if (!ours) {
                    ObjectNode response = response(requestId);
                    ArrayNode ids = response.putArray("sockets");
                    local.sockets(stringSet(request.path("rooms"))).forEach(ids::add);
                    publishResponse(request, response);
                }
            }
            case ALL_ROOMS -> {
                if (!ours) {
                    ObjectNode response = response(requestId);
                    ArrayNode rooms = response.putArray("rooms");
                    local.rooms().forEach(rooms::add);
                    publishResponse(request, response);
                }
            }
            case REMOTE_JOIN, REMOTE_LEAVE, REMOTE_DISCONNECT -> {
                if (!ours) {
                    onRoomRequest(request, requestId);
                }
            }
            case REMOTE_FETCH -> {
                if (!ours) {
                    ObjectNode response = response(requestId);
                    ArrayNode sockets = response.putArray("sockets");
                    for (Member m : local.fetchSockets(localOptions(request.path("opts")))
                            .join()
                            .local()) {
                        sockets.add(socketNode(m.describe()));
                    }
                    publishResponse(request, response);
                }
            }
            case SERVER_SIDE_EMIT -> {
                if (!ours) {
                    onServerSideEmit(request, requestId);
                }
            }
            case BROADCAST -> {
                if (!ours && !ackRequests.containsKey(requestId)) {
                    onBroadcastWithAck(request, requestId);
                }
            }
            default -> {} // responses travel on the response channels; unknown types are a newer peer's
        }
    }

    private void onRoomRequest(JsonNode request, String requestId) {
        int type = intField(request, "type");
        JsonNode opts = request.get("opts");
        if (opts != null && opts.isObject()) {
            BroadcastOptions options = localOptions(opts);
            switch (type) {
                case REMOTE_JOIN -> local.addSockets(options, stringSet(request.path("rooms")));
                case REMOTE_LEAVE -> local.delSockets(options, stringSet(request.path("rooms")));
                default ->
                    local.disconnectSockets(options, request.path("close").asBoolean());
            }
            return;
        }
        // the legacy form: one socket by id, answered so the requester knows it was found
        String sid = request.path("sid").textValue();
        Member member = sid == null ? null : namespace.member(sid);
        if (member == null) {
            return;
        }
        switch (type) {
            case REMOTE_JOIN -> local.addAll(sid, Set.of(textField(request, "room")));
            case REMOTE_LEAVE -> local.del(sid, textField(request, "room"));
            default -> member.disconnect(request.path("close").asBoolean());
        }
        publishResponse(request, response(requestId));
    }

    private void onServerSideEmit(JsonNode request, String requestId) {
        JsonNode data = request.get("data");
        if (data == null || !data.isArray()) {
            throw new MalformedMessageException("a server-side emit carries data: [event, ...args]");
        }
        List<JsonNode> args = new ArrayList<>(data.size());
        data.forEach(args::add);
        if (requestId == null) {
            namespace.receiveServerSideEmit(args, null);
            return;
        }
        namespace.receiveServerSideEmit(args, reply -> {
            ObjectNode response = NODES.objectNode();
            response.put("type", SERVER_SIDE_EMIT);
            response.put("requestId", requestId);
            response.set("data", reply.isEmpty() ? NODES.nullNode() : reply.get(0));
            // socket.io answers server-side emits on the shared response channel
            publishJson(responseChannel, response);
        });
    }

    private void onBroadcastWithAck(JsonNode request, String requestId) {
        if (requestId == null) {
            throw new MalformedMessageException("a broadcast with acks has no requestId");
        }
        ArrayNode data = eventData(request.get("packet"));
        if (data == null) {
            return;
        }
        local.broadcastWithAck(
                namespace.encodeEvent(data, true),
                localOptions(request.path("opts")),
                count -> {
                    ObjectNode response = response(requestId);
                    response.put("type", BROADCAST_CLIENT_COUNT);
                    response.put("clientCount", count);
                    publishResponse(request, response);
                },
                reply -> {
                    ObjectNode response = NODES.objectNode();
                    response.put("type", BROADCAST_ACK);
                    response.put("requestId", requestId);
                    response.set("packet", reply.isEmpty() ? NODES.nullNode() : reply.get(0));
                    publishResponse(request, MsgPack.encode(response));
                });
    }

    private void onResponse(JsonNode response) {
        String requestId = response.path("requestId").textValue();
        if (requestId == null) {
            throw new MalformedMessageException("a response has no requestId");
        }
        AckRequest ack = ackRequests.get(requestId);
        if (ack != null) {
            switch (response.path("type").asInt(-1)) {
                case BROADCAST_CLIENT_COUNT -> ack.clientCount.accept(intField(response, "clientCount"));
                case BROADCAST_ACK -> ack.ack.onAck(List.of(response.path("packet")));
                default ->
                    throw new MalformedMessageException(
                            "an answer to a broadcast with acks of type " + response.path("type"));
            }
            return;
        }
        PendingRequest pending = requests.get(requestId);
        if (pending != null && pending.answer(response)) {
            requests.remove(requestId, pending);
        }
    }

    // ---- wire shapes

    private ObjectNode request(int type, String requestId) {
        ObjectNode request = NODES.objectNode();
        request.put("uid", uid);
        if (requestId != null) {
            request.put("requestId", requestId);
        }
        request.put("type", type);
        return request;
    }

    private static ObjectNode response(String requestId) {
        ObjectNode response = NODES.objectNode();
        response.put("requestId", requestId);
        return response;
    }

    private void publishResponse(JsonNode request, ObjectNode response) {
        publishResponse(request, json(response));
    }

    private void publishResponse(JsonNode request, byte[] response) {
        String from = request.path("uid").textValue();
        String channel = cluster.publishOnSpecificResponseChannel() && from != null
                ? responseChannel + from + "#"
                : responseChannel;
        cluster.publish(channel, response);
    }

    private void publishJson(String channel, ObjectNode message) {
        cluster.publish(channel, json(message));
    }

    private static byte[] json(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a tree of plain nodes always writes
        }
    }

    /** JSON if it starts with '{', as socket.io decides; msgpack otherwise. */
    private static JsonNode parse(byte[] message) {
        if (message.length > 0 && message[0] == '{') {
            try {
                return JSON.readTree(message);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new MalformedMessageException("bad JSON: " + e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw new MalformedMessageException("bad JSON: " + e.getMessage(), e);
            }
        }
        return MsgPack.decode(message);
    }

    /** {@code {type: 2, data: [event, ...args], nsp}}, as socket.io puts a broadcast packet on the wire. */
    private ObjectNode packetNode(OutboundPacket packet) {
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
    private static ObjectNode optionsNode(BroadcastOptions options, boolean withFlags) {
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
    private static BroadcastOptions localOptions(JsonNode opts) {
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
    private static Set<String> stringSet(JsonNode array) {
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

    private static ObjectNode socketNode(SocketDetails socket) {
        ObjectNode node = NODES.objectNode();
        node.put("id", socket.id());
        node.set("handshake", socket.handshake());
        ArrayNode rooms = node.putArray("rooms");
        socket.rooms().forEach(rooms::add);
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

    private static int intField(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new MalformedMessageException(field + " is not an integer");
        }
        return v.intValue();
    }

    private static String textField(JsonNode node, String field) {
        String v = node.path(field).textValue();
        if (v == null) {
            throw new MalformedMessageException(field + " is not a string");
        }
        return v;
    }

    private Duration timeout(BroadcastOptions options) {
        return options.timeout() != null ? options.timeout() : cluster.requestsTimeout();
    }

    private static String newRequestId() {
        return UUID.randomUUID().toString();
    }

    private record AckRequest(IntConsumer clientCount, AckCallback ack) {}

    /** A request's answers, until as many as there are peers came. */
    private static final class PendingRequest {
        final CompletableFuture<List<JsonNode>> future = new CompletableFuture<>();
        private final int expected;
        private final List<JsonNode> answers = new ArrayList<>();

        PendingRequest(int expected) {
            this.expected = expected;
        }

        /** Adds one peer's answer; true once every peer answered (and the future is complete). */
        boolean answer(JsonNode answer) {
            List<JsonNode> all;
            synchronized (this) {
                answers.add(answer);
                if (answers.size() < expected) {
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
    }
}
