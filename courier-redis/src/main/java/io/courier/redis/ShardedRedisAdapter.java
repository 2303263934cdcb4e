package io.courier.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.adapter.AckCallback;
import io.courier.adapter.BroadcastOptions;
import io.courier.adapter.MemberDirectory;
import io.courier.adapter.OutboundPacket;
import io.courier.adapter.RoomListener;
import io.courier.msgpack.MsgPack;
import io.courier.redis.RedisCluster.SubscriptionMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * One namespace's adapter on Redis 7's sharded pub/sub, speaking what {@code @socket.io/redis-adapter}'s {@code
 * createShardedAdapter} speaks (socket.io-adapter's cluster messages {@code {uid, nsp, type, data}}, JSON unless the
 * data holds binary, then msgpack).
 *
 * <p>Channels, for prefix {@code k} and namespace {@code /n}: everything on {@code k#/n#}; answers to a node on {@code
 * k#/n#<uid>#}; and in {@link SubscriptionMode#DYNAMIC} mode a broadcast to exactly one room that does not look like a
 * socket id on {@code k#/n#room#}, which a node reads (SSUBSCRIBE) while it has members in the room. The number of
 * nodes is the main channel's subscriber count (PUBSUB SHARDNUMSUB); a request waits for the answers of as many nodes as
 * that count said when it was published (read in the same script).
 */
final class ShardedRedisAdapter extends AbstractRedisAdapter {
    // socket.io-adapter's ClusterAdapter message types
    private static final int INITIAL_HEARTBEAT = 1;
    private static final int HEARTBEAT = 2;
    private static final int BROADCAST = 3;
    private static final int SOCKETS_JOIN = 4;
    private static final int SOCKETS_LEAVE = 5;
    private static final int DISCONNECT_SOCKETS = 6;
    private static final int FETCH_SOCKETS = 7;
    private static final int FETCH_SOCKETS_RESPONSE = 8;
    private static final int SERVER_SIDE_EMIT = 9;
    private static final int SERVER_SIDE_EMIT_RESPONSE = 10;
    private static final int BROADCAST_CLIENT_COUNT = 11;
    private static final int BROADCAST_ACK = 12;
    private static final int ADAPTER_CLOSE = 13;
    /** socket.io's socket ids are 20 characters; a room of that length is taken for one. */
    private static final int SOCKET_ID_LENGTH = 20;

    private final SubscriptionMode mode;
    private final String channel;
    private final String responseChannel;
    /** Rooms read on a channel of their own → local members (in DYNAMIC mode). */
    private final Map<String, Integer> roomChannels = new HashMap<>();

    ShardedRedisAdapter(RedisCluster cluster, MemberDirectory namespace, SubscriptionMode mode) {
        super(cluster, namespace);
        this.mode = mode;
        this.channel = cluster.key() + "#" + namespace.name() + "#";
        this.responseChannel = channel + uid + "#";
        if (mode == SubscriptionMode.DYNAMIC) {
            local.addRoomListener(new RoomChannels());
        }
    }

    @Override
    List<String> channels() {
        return List.of(channel, responseChannel);
    }

    private static boolean looksLikeASocketId(String room) {
        return room.length() == SOCKET_ID_LENGTH;
    }

    // ---- operations on every node

    @Override
    public void broadcast(OutboundPacket packet, BroadcastOptions options) {
        if (!options.local()) {
            ObjectNode data = NODES.objectNode();
            data.set("packet", packetNode(packet));
            data.set("opts", optionsNode(options, true));
            String target = channel;
            if (mode == SubscriptionMode.DYNAMIC && options.rooms().size() == 1) {
                String room = options.rooms().iterator().next();
                if (!looksLikeASocketId(room)) {
                    target = channel + room + "#";
                }
            }
            cluster.shardPublish(target, message(BROADCAST, data));
        }
        local.broadcast(packet, options);
    }

    @Override
    public CompletableFuture<Integer> broadcastWithAck(
            OutboundPacket packet, BroadcastOptions options, IntConsumer clientCount, AckCallback ack) {
        if (options.local()) {
            return local.broadcastWithAck(packet, options, clientCount, ack);
        }
        String requestId = newRequestId();
        expectAcks(requestId, options, clientCount, ack);
        ObjectNode data = NODES.objectNode();
        data.set("packet", packetNode(packet));
        data.put("requestId", requestId);
        data.set("opts", optionsNode(options, true));
        // always the main channel: every node reads it, and it counts them
        byte[] message = message(BROADCAST, data);
        CompletableFuture<Integer> nodes = publishOnceSubscribed(() -> cluster.shardPublishCounted(channel, message));
        local.broadcastWithAck(packet, options, clientCount, ack);
        return nodes;
    }

    @Override
    void publishToPeers(Op op, ObjectNode body) {
        cluster.shardPublish(channel, message(type(op), body));
    }

    @Override
    CompletableFuture<List<JsonNode>> askPeers(Op op, ObjectNode body, Duration timeout) {
        return ask(type(op), body, timeout);
    }

    private static int type(Op op) {
        return switch (op) {
            case SOCKETS_JOIN -> SOCKETS_JOIN;
            case SOCKETS_LEAVE -> SOCKETS_LEAVE;
            case DISCONNECT_SOCKETS -> DISCONNECT_SOCKETS;
            case FETCH_SOCKETS -> FETCH_SOCKETS;
        };
    }

    @Override
    public CompletableFuture<Integer> serverCount() {
        return count(cluster.shardSubscribers(channel));
    }

    @Override
    public void serverSideEmit(List<JsonNode> args) {
        ObjectNode data = NODES.objectNode();
        data.set("packet", NODES.arrayNode().addAll(args));
        cluster.shardPublish(channel, message(SERVER_SIDE_EMIT, data));
    }

    /** Each peer answers with one value, as a one-element list (socket.io's server-side acks take one argument). */
    @Override
    public CompletableFuture<List<List<JsonNode>>> serverSideEmitWithAck(List<JsonNode> args) {
        ObjectNode data = NODES.objectNode();
        data.set("packet", NODES.arrayNode().addAll(args));
        return ask(SERVER_SIDE_EMIT, data, cluster.requestsTimeout()).thenApply(answers -> {
            List<List<JsonNode>> out = new ArrayList<>(answers.size());
            answers.forEach(answer -> out.add(List.of(answer.path("packet"))));
            return out;
        });
    }

    @Override
    public void close() {
        synchronized (roomChannels) {
            roomChannels.clear();
        }
        super.close();
    }

    private CompletableFuture<List<JsonNode>> ask(int type, ObjectNode data, Duration timeout) {
        String requestId = newRequestId();
        data.put("requestId", requestId);
        return request(requestId, timeout, () -> cluster.shardPublishCounted(channel, message(type, data)));
    }

    // ---- what the peers send

    @Override
    void onMessage(String from, byte[] raw) {
        try {
            JsonNode message = parse(raw);
            if (!message.isObject()) {
                throw new MalformedMessageException("a cluster message is an object {uid, nsp, type, data}");
            }
            if (uid.equals(message.path("uid").textValue())
                    || !namespace.name().equals(message.path("nsp").textValue())) {
                return; // our own, or another namespace's
            }
            int type = intField(message, "type");
            JsonNode data = message.path("data");
            switch (type) {
                case BROADCAST -> onBroadcast(message, data);
                case SOCKETS_JOIN -> local.addSockets(localOptions(data.get("opts")), stringSet(data.path("rooms")));
                case SOCKETS_LEAVE -> local.delSockets(localOptions(data.get("opts")), stringSet(data.path("rooms")));
                case DISCONNECT_SOCKETS ->
                    local.disconnectSockets(
                            localOptions(data.get("opts")), data.path("close").asBoolean());
                case FETCH_SOCKETS -> {
                    ObjectNode answer = answer(data);
                    answer.set("sockets", describeSockets(data.get("opts")));
                    respond(message, FETCH_SOCKETS_RESPONSE, answer);
                }
                case SERVER_SIDE_EMIT -> {
                    String requestId = data.path("requestId").textValue();
                    serverSideEmitFromPeer(
                            data.get("packet"),
                            requestId == null
                                    ? null
                                    : reply -> {
                                        ObjectNode answer = answer(data);
                                        answer.set("packet", reply.isEmpty() ? NODES.nullNode() : reply.get(0));
                                        respond(message, SERVER_SIDE_EMIT_RESPONSE, answer);
                                    });
                }
                case FETCH_SOCKETS_RESPONSE, SERVER_SIDE_EMIT_RESPONSE, BROADCAST_CLIENT_COUNT, BROADCAST_ACK ->
                    onAnswer(type, data);
                case INITIAL_HEARTBEAT, HEARTBEAT, ADAPTER_CLOSE -> {} // nodes are counted by subscriptions here
                default -> {} // a newer peer's
            }
        } catch (MalformedMessageException | IllegalArgumentException e) {
            cluster.dropped(from, e);
        }
    }

    private void onBroadcast(JsonNode message, JsonNode data) {
        String requestId = data.path("requestId").textValue();
        if (requestId == null) {
            broadcastFromPeer(data.get("packet"), data.get("opts"));
            return;
        }
        broadcastWithAckFromPeer(
                data.get("packet"),
                data.get("opts"),
                count -> {
                    ObjectNode answer = answer(data);
                    answer.put("clientCount", count);
                    respond(message, BROADCAST_CLIENT_COUNT, answer);
                },
                reply -> {
                    ObjectNode answer = answer(data);
                    answer.set("packet", reply.isEmpty() ? NODES.nullNode() : reply.get(0));
                    respond(message, BROADCAST_ACK, answer);
                });
    }

    private void onAnswer(int type, JsonNode data) {
        String requestId = textField(data, "requestId");
        switch (type) {
            case BROADCAST_CLIENT_COUNT -> counted(requestId, intField(data, "clientCount"));
            case BROADCAST_ACK -> acked(requestId, data.path("packet"));
            default -> answered(requestId, data);
        }
    }

    // ---- wire shapes

    private byte[] message(int type, ObjectNode data) {
        ObjectNode message = NODES.objectNode();
        message.put("uid", uid);
        message.put("nsp", namespace.name());
        message.put("type", type);
        message.set("data", data);
        return hasBinary(data) ? MsgPack.encode(message) : json(message);
    }

    private static ObjectNode answer(JsonNode request) {
        ObjectNode answer = NODES.objectNode();
        answer.put("requestId", textField(request, "requestId"));
        return answer;
    }

    /** Sends an answer on the asking node's own channel. */
    private void respond(JsonNode request, int type, ObjectNode answer) {
        cluster.shardPublish(channel + textField(request, "uid") + "#", message(type, answer));
    }

    private static boolean hasBinary(JsonNode node) {
        if (node.isBinary()) {
            return true;
        }
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                if (hasBinary(child)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Reads a room's channel while this node has members in it (DYNAMIC mode). */
    private final class RoomChannels implements RoomListener {
        @Override
        public void joined(String room, String socketId) {
            if (looksLikeASocketId(room)) {
                return;
            }
            synchronized (roomChannels) {
                if (roomChannels.merge(room, 1, Integer::sum) == 1) {
                    cluster.shardSubscribe(ShardedRedisAdapter.this, channel + room + "#");
                }
            }
        }

        @Override
        public void left(String room, String socketId) {
            if (looksLikeASocketId(room)) {
                return;
            }
            synchronized (roomChannels) {
                Integer n = roomChannels.computeIfPresent(room, (r, count) -> count == 1 ? null : count - 1);
                if (n == null) {
                    cluster.shardUnsubscribe(channel + room + "#");
                }
            }
        }
    }
}
