package io.courier.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.adapter.AckCallback;
import io.courier.adapter.BroadcastOptions;
import io.courier.adapter.Member;
import io.courier.adapter.MemberDirectory;
import io.courier.adapter.OutboundPacket;
import io.courier.msgpack.MsgPack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * One namespace's adapter in a Redis cluster, speaking {@code @socket.io/redis-adapter} 8's classic pub/sub protocol,
 * so Courier nodes, Node.js socket.io servers with {@code createAdapter} and {@code @socket.io/redis-emitter} share one
 * cluster.
 *
 * <p>Channels, for key {@code k} and namespace {@code /n}: broadcasts on {@code k#/n#} (or {@code k#/n#room#} when
 * they target exactly one room), msgpack {@code [uid, packet, opts]}, read through the pattern {@code k#/n#*};
 * requests on {@code k-request#/n#}, responses on {@code k-response#/n#} and {@code k-response#/n#<uid>#}, JSON
 * unless they carry packets (msgpack). A broadcast is encoded once to publish and once per receiving node.
 *
 * <p>Every method returns without waiting on Redis. Requests that need the peers' answers are published together with
 * a count of the request channel's subscribers ({@code PUBSUB NUMSUB}, in one script: exactly the nodes that got the
 * request, even while one joins or leaves), wait for that many answers, and fail with {@link
 * io.courier.adapter.AdapterTimeoutException} (carrying the answers so far) after the request's timeout. A message that
 * breaks the protocol (from a foreign publisher, say) is dropped and counted; see {@link RedisCluster#dropped}.
 */
final class RedisAdapter extends AbstractRedisAdapter {
    // request types of @socket.io/redis-adapter
    private static final int SOCKETS = 0;
    private static final int ALL_ROOMS = 1;
    private static final int REMOTE_JOIN = 2;
    private static final int REMOTE_LEAVE = 3;
    private static final int REMOTE_DISCONNECT = 4;
    private static final int REMOTE_FETCH = 5;
    private static final int SERVER_SIDE_EMIT = 6;
    private static final int BROADCAST = 7;
    private static final int BROADCAST_CLIENT_COUNT = 8;
    private static final int BROADCAST_ACK = 9;

    private final String broadcastChannel;
    private final String requestChannel;
    private final String responseChannel;
    private final String specificResponseChannel;

    RedisAdapter(RedisCluster cluster, MemberDirectory namespace) {
        super(cluster, namespace);
        String nsp = namespace.name();
        this.broadcastChannel = cluster.key() + "#" + nsp + "#";
        this.requestChannel = cluster.key() + "-request#" + nsp + "#";
        this.responseChannel = cluster.key() + "-response#" + nsp + "#";
        this.specificResponseChannel = responseChannel + uid + "#";
    }

    @Override
    List<String> channels() {
        return List.of(requestChannel, responseChannel, specificResponseChannel);
    }

    /** The pattern of every broadcast channel of the namespace (glob characters in its name escaped). */
    String broadcastPattern() {
        return broadcastChannel.replaceAll("([\\\\*?\\[\\]])", "\\\\$1") + "*";
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
    public CompletableFuture<Integer> broadcastWithAck(
            OutboundPacket packet, BroadcastOptions options, IntConsumer clientCount, AckCallback ack) {
        if (options.local()) {
            return local.broadcastWithAck(packet, options, clientCount, ack);
        }
        String requestId = newRequestId();
        expectAcks(requestId, options, clientCount, ack);
        ObjectNode request = request(BROADCAST, requestId);
        request.set("packet", packetNode(packet));
        request.set("opts", optionsNode(options, true));
        byte[] message = MsgPack.encode(request);
        CompletableFuture<Integer> nodes = publishOnceSubscribed(() -> cluster.publishCounted(requestChannel, message));
        local.broadcastWithAck(packet, options, clientCount, ack);
        return nodes;
    }

    @Override
    void publishToPeers(Op op, ObjectNode body) {
        ObjectNode request = request(type(op), null);
        request.setAll(body);
        cluster.publish(requestChannel, json(request));
    }

    @Override
    CompletableFuture<List<JsonNode>> askPeers(Op op, ObjectNode body, Duration timeout) {
        ObjectNode request = request(type(op), newRequestId());
        request.setAll(body);
        return ask(request, timeout);
    }

    private static int type(Op op) {
        return switch (op) {
            case SOCKETS_JOIN -> REMOTE_JOIN;
            case SOCKETS_LEAVE -> REMOTE_LEAVE;
            case DISCONNECT_SOCKETS -> REMOTE_DISCONNECT;
            case FETCH_SOCKETS -> REMOTE_FETCH;
        };
    }

    @Override
    public CompletableFuture<Integer> serverCount() {
        return count(cluster.subscribers(requestChannel));
    }

    @Override
    public void serverSideEmit(List<JsonNode> data) {
        ObjectNode request = request(SERVER_SIDE_EMIT, null);
        request.set("data", NODES.arrayNode().addAll(data));
        cluster.publish(requestChannel, json(request));
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
            answers.forEach(answer -> out.add(List.of(answer.path("data"))));
            return out;
        });
    }

    /** Publishes {@code request} and collects the answers of the other nodes that got it. */
    private CompletableFuture<List<JsonNode>> ask(ObjectNode request, Duration timeout) {
        String requestId = request.get("requestId").textValue();
        return request(requestId, timeout, () -> cluster.publishCounted(requestChannel, json(request)));
    }

    // ---- what the peers send

    @Override
    void onMessage(String channel, byte[] message) {
        try {
            if (channel.startsWith(broadcastChannel)) {
                onBroadcast(channel, message);
                return;
            }
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

    private void onBroadcast(String channel, byte[] message) {
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
        if (!uid.equals(decoded.get(0).textValue())) { // our own was delivered here already
            broadcastFromPeer(decoded.get(1), decoded.get(2));
        }
    }

    private void onRequest(JsonNode request) {
        String requestId = request.path("requestId").textValue();
        if (uid.equals(request.path("uid").textValue())) {
            return; // our own: acted on here when it was sent
        }
        switch (intField(request, "type")) {
            case SOCKETS -> {
                ObjectNode response = response(requestId);
                response.set("sockets", strings(local.sockets(stringSet(request.path("rooms")))));
                publishResponse(request, json(response));
            }
            case ALL_ROOMS -> {
                ObjectNode response = response(requestId);
                response.set("rooms", strings(local.rooms()));
                publishResponse(request, json(response));
            }
            case REMOTE_JOIN, REMOTE_LEAVE, REMOTE_DISCONNECT -> onRoomRequest(request, requestId);
            case REMOTE_FETCH -> {
                ObjectNode response = response(requestId);
                response.set("sockets", describeSockets(request.path("opts")));
                publishResponse(request, json(response));
            }
            case SERVER_SIDE_EMIT ->
                serverSideEmitFromPeer(
                        request.get("data"),
                        requestId == null
                                ? null
                                : reply -> {
                                    ObjectNode response = response(requestId);
                                    response.put("type", SERVER_SIDE_EMIT);
                                    response.set("data", reply.isEmpty() ? NODES.nullNode() : reply.get(0));
                                    // socket.io answers server-side emits on the shared response channel
                                    cluster.publish(responseChannel, json(response));
                                });
            case BROADCAST -> {
                if (requestId == null) {
                    throw new MalformedMessageException("a broadcast with acks has no requestId");
                }
                if (!isPendingBroadcast(requestId)) {
                    broadcastWithAckFromPeer(
                            request.get("packet"),
                            request.path("opts"),
                            count -> {
                                ObjectNode response = response(requestId);
                                response.put("type", BROADCAST_CLIENT_COUNT);
                                response.put("clientCount", count);
                                publishResponse(request, json(response));
                            },
                            reply -> {
                                ObjectNode response = NODES.objectNode();
                                response.put("type", BROADCAST_ACK);
                                response.put("requestId", requestId);
                                response.set("packet", reply.isEmpty() ? NODES.nullNode() : reply.get(0));
                                publishResponse(request, MsgPack.encode(response));
                            });
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
        publishResponse(request, json(response(requestId)));
    }

    private void onResponse(JsonNode response) {
        String requestId = response.path("requestId").textValue();
        if (requestId == null) {
            throw new MalformedMessageException("a response has no requestId");
        }
        if (isPendingBroadcast(requestId)) {
            switch (response.path("type").asInt(-1)) {
                case BROADCAST_CLIENT_COUNT -> counted(requestId, intField(response, "clientCount"));
                case BROADCAST_ACK -> acked(requestId, response.path("packet"));
                default ->
                    throw new MalformedMessageException(
                            "an answer to a broadcast with acks of type " + response.path("type"));
            }
            return;
        }
        answered(requestId, response);
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

    private void publishResponse(JsonNode request, byte[] response) {
        String from = request.path("uid").textValue();
        String channel = cluster.publishOnSpecificResponseChannel() && from != null
                ? responseChannel + from + "#"
                : responseChannel;
        cluster.publish(channel, response);
    }
}
