package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.Handshake;
import io.courier.RemoteSocket;
import io.courier.adapter.SocketDetails;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A socket of another node, from {@code fetchSockets()}: what that node described, and actions that travel through the
 * cluster to the socket's own id room, as socket.io's {@code RemoteSocket} does.
 */
final class PeerSocket implements RemoteSocket {
    private final DefaultNamespace namespace;
    private final SocketDetails details;
    private final Handshake handshake;
    private final Map<String, Object> data;

    PeerSocket(DefaultNamespace namespace, SocketDetails details, ObjectMapper mapper) {
        this.namespace = namespace;
        this.details = details;
        this.handshake = handshake(details.handshake());
        JsonNode d = details.data();
        Map<String, Object> map = new LinkedHashMap<>();
        if (d != null && d.isObject()) {
            d.properties().forEach(e -> map.put(e.getKey(), mapper.convertValue(e.getValue(), Object.class)));
        }
        this.data = Collections.unmodifiableMap(map);
    }

    @Override
    public String id() {
        return details.id();
    }

    @Override
    public Handshake handshake() {
        return handshake;
    }

    @Override
    public Set<String> rooms() {
        return details.rooms();
    }

    /** A copy taken when the socket was fetched; changing it on the owning node needs a message to that node. */
    @Override
    public Map<String, Object> data() {
        return data;
    }

    @Override
    public boolean emit(String event, Object... args) {
        return namespace.to(id()).emit(event, args);
    }

    @Override
    public void join(String... rooms) {
        namespace.in(id()).socketsJoin(rooms);
    }

    @Override
    public void leave(String room) {
        namespace.in(id()).socketsLeave(room);
    }

    @Override
    public void disconnect(boolean close) {
        namespace.in(id()).disconnectSockets(close);
    }

    @Override
    public String toString() {
        return "PeerSocket[" + id() + " on " + namespace.name() + "]";
    }

    /** Reads socket.io's handshake shape ({@link DefaultSocket#describe()} writes it); missing parts are empty. */
    private static Handshake handshake(JsonNode h) {
        JsonNode auth = h.path("auth");
        return new Handshake(
                strings(h.path("headers")),
                strings(h.path("query")),
                auth.isObject() ? (ObjectNode) auth.deepCopy() : JsonNodeFactory.instance.objectNode(),
                new PeerAddress(h.path("address").asText("")),
                h.path("secure").asBoolean(false),
                Instant.ofEpochMilli(h.path("issued").asLong(0)),
                h.path("url").asText(""));
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        object.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return Collections.unmodifiableMap(out);
    }

    /** The address a peer reported (text only: it was never connected to this node). */
    private static final class PeerAddress extends SocketAddress {
        private final String text;

        PeerAddress(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
