package io.courier.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A Socket.IO v5 packet and its text encoding, with binary attachments as placeholders
 * ({@code {"_placeholder":true,"num":i}}) followed by binary Engine.IO messages.
 */
final class SocketIoPacket {
    static final int CONNECT = 0;
    static final int DISCONNECT = 1;
    static final int EVENT = 2;
    static final int ACK = 3;
    static final int CONNECT_ERROR = 4;
    static final int BINARY_EVENT = 5;
    static final int BINARY_ACK = 6;

    /** Attachments a packet from the server may announce. */
    static final int MAX_ATTACHMENTS = 1000;

    final int type;
    final String nsp;
    /** The ack id, or -1. */
    final long id;
    /** The payload (binary already put back in place as {@link BinaryNode}s), or null. */
    final JsonNode data;

    SocketIoPacket(int type, String nsp, long id, JsonNode data) {
        this.type = type;
        this.nsp = nsp;
        this.id = id;
        this.data = data;
    }

    // ---------------------------------------------------------------- encoding

    /**
     * The Engine.IO messages of a packet: the header, then one binary message per attachment. Binary values
     * ({@code byte[]}, {@link ByteBuffer}, {@link BinaryNode}) anywhere in {@code data} travel as attachments.
     */
    static List<EnginePacket> encode(int type, String nsp, long id, JsonNode data) {
        List<byte[]> attachments = new ArrayList<>();
        JsonNode payload = data == null ? null : extractBinary(data, attachments);
        if (!attachments.isEmpty()) {
            if (type == EVENT) {
                type = BINARY_EVENT;
            } else if (type == ACK) {
                type = BINARY_ACK;
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(type);
        if (type == BINARY_EVENT || type == BINARY_ACK) {
            sb.append(attachments.size()).append('-');
        }
        if (!"/".equals(nsp)) {
            sb.append(nsp).append(',');
        }
        if (id >= 0) {
            sb.append(id);
        }
        if (payload != null) {
            sb.append(Json.write(payload));
        }
        List<EnginePacket> out = new ArrayList<>(1 + attachments.size());
        out.add(EnginePacket.message(sb.toString()));
        for (byte[] a : attachments) {
            out.add(EnginePacket.binary(a));
        }
        return out;
    }

    private static JsonNode extractBinary(JsonNode node, List<byte[]> attachments) {
        if (node.isBinary()) {
            ObjectNode placeholder = JsonNodeFactory.instance.objectNode();
            placeholder.put("_placeholder", true);
            placeholder.put("num", attachments.size());
            attachments.add(((BinaryNode) node).binaryValue());
            return placeholder;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode(node.size());
            for (JsonNode e : node) {
                copy.add(extractBinary(e, attachments));
            }
            return copy;
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                copy.set(e.getKey(), extractBinary(e.getValue(), attachments));
            }
            return copy;
        }
        return node;
    }

    /**
     * A Java value as a JSON tree: {@code byte[]} and {@link ByteBuffer} become {@link BinaryNode}s (so they travel as
     * binary attachments), maps, collections and arrays are walked, anything else goes through Jackson.
     */
    static JsonNode toNode(Object value) {
        if (value == null) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (value instanceof JsonNode) {
            return (JsonNode) value;
        }
        if (value instanceof byte[]) {
            return JsonNodeFactory.instance.binaryNode(((byte[]) value).clone());
        }
        if (value instanceof ByteBuffer) {
            ByteBuffer b = ((ByteBuffer) value).duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return JsonNodeFactory.instance.binaryNode(bytes);
        }
        if (value instanceof Map) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                o.set(String.valueOf(e.getKey()), toNode(e.getValue()));
            }
            return o;
        }
        if (value instanceof Collection) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            for (Object e : (Collection<?>) value) {
                a.add(toNode(e));
            }
            return a;
        }
        if (value instanceof Object[]) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            for (Object e : (Object[]) value) {
                a.add(toNode(e));
            }
            return a;
        }
        return Json.MAPPER.valueToTree(value);
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes the Socket.IO packets of one connection, collecting the attachments of binary packets. Not shared. */
    static final class Decoder {
        private int pendingType = -1;
        private String pendingNsp;
        private long pendingId;
        private JsonNode pendingData;
        private int expected;
        private final List<byte[]> attachments = new ArrayList<>();

        /** @return the complete packet, or null while attachments are still expected */
        SocketIoPacket add(EnginePacket message) {
            if (message.isBinary()) {
                if (expected == 0) {
                    throw new ProtocolException("binary message without a binary packet waiting for it");
                }
                attachments.add(message.binary);
                if (attachments.size() < expected) {
                    return null;
                }
                JsonNode data = placeBinary(pendingData, attachments);
                SocketIoPacket done = new SocketIoPacket(pendingType, pendingNsp, pendingId, data);
                expected = 0;
                attachments.clear();
                pendingData = null;
                return done;
            }
            if (expected > 0) {
                throw new ProtocolException("text packet while " + (expected - attachments.size())
                        + " binary attachments are still expected");
            }
            return decodeHeader(message.text);
        }

        private SocketIoPacket decodeHeader(String s) {
            if (s.isEmpty()) {
                throw new ProtocolException("empty Socket.IO packet");
            }
            int type = s.charAt(0) - '0';
            if (type < CONNECT || type > BINARY_ACK) {
                throw new ProtocolException("unknown Socket.IO packet type in " + abbreviate(s));
            }
            int i = 1;
            int count = 0;
            if (type == BINARY_EVENT || type == BINARY_ACK) {
                int dash = s.indexOf('-', i);
                if (dash < 0) {
                    throw new ProtocolException("binary packet without an attachment count: " + abbreviate(s));
                }
                try {
                    count = Integer.parseInt(s.substring(i, dash));
                } catch (NumberFormatException e) {
                    throw new ProtocolException("bad attachment count: " + abbreviate(s));
                }
                if (count < 0 || count > MAX_ATTACHMENTS) {
                    throw new ProtocolException("attachment count out of range: " + count);
                }
                i = dash + 1;
            }
            String nsp = "/";
            if (i < s.length() && s.charAt(i) == '/') {
                int comma = s.indexOf(',', i);
                if (comma < 0) {
                    nsp = s.substring(i);
                    i = s.length();
                } else {
                    nsp = s.substring(i, comma);
                    i = comma + 1;
                }
            }
            long id = -1;
            int digits = i;
            while (digits < s.length() && Character.isDigit(s.charAt(digits)) && digits - i < 18) {
                digits++;
            }
            if (digits > i) {
                id = Long.parseLong(s.substring(i, digits));
                i = digits;
            }
            JsonNode data = null;
            if (i < s.length()) {
                try {
                    data = Json.MAPPER.readTree(s.substring(i));
                } catch (JsonProcessingException e) {
                    throw new ProtocolException("invalid JSON in " + abbreviate(s));
                }
            }
            validate(type, data, s);
            if (count > 0) {
                pendingType = type;
                pendingNsp = nsp;
                pendingId = id;
                pendingData = data;
                expected = count;
                return null;
            }
            return new SocketIoPacket(type, nsp, id, data);
        }

        private static void validate(int type, JsonNode data, String s) {
            boolean ok;
            switch (type) {
                case CONNECT:
                    ok = data == null || data.isObject();
                    break;
                case DISCONNECT:
                    ok = data == null;
                    break;
                case EVENT:
                case BINARY_EVENT:
                    ok = data != null
                            && data.isArray()
                            && data.size() > 0
                            && (data.get(0).isTextual() || data.get(0).isNumber());
                    break;
                case ACK:
                case BINARY_ACK:
                    ok = data != null && data.isArray();
                    break;
                default: // CONNECT_ERROR
                    ok = data != null && (data.isObject() || data.isTextual());
            }
            if (!ok) {
                throw new ProtocolException("invalid payload for packet type " + type + ": " + abbreviate(s));
            }
        }

        private static JsonNode placeBinary(JsonNode node, List<byte[]> attachments) {
            if (node == null) {
                return null;
            }
            if (node.isObject()) {
                if (node.path("_placeholder").asBoolean(false)
                        && node.path("num").canConvertToInt()) {
                    int num = node.get("num").intValue();
                    if (num < 0 || num >= attachments.size()) {
                        throw new ProtocolException("placeholder index " + num + " out of range");
                    }
                    return JsonNodeFactory.instance.binaryNode(attachments.get(num));
                }
                ObjectNode o = (ObjectNode) node;
                for (Map.Entry<String, JsonNode> e : o.properties()) {
                    e.setValue(placeBinary(e.getValue(), attachments));
                }
                return o;
            }
            if (node.isArray()) {
                ArrayNode a = (ArrayNode) node;
                for (int k = 0; k < a.size(); k++) {
                    a.set(k, placeBinary(a.get(k), attachments));
                }
                return a;
            }
            return node;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    /** The Jackson mapper the client uses for payloads. */
    static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();

        static String write(JsonNode node) {
            try {
                return MAPPER.writeValueAsString(node);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
            }
        }

        private Json() {}
    }
}
