package io.courier.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;

/** Test helpers to build JSON trees tersely. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = MAPPER.getNodeFactory();

    private Json() {}

    /** An array of the given items (see {@link #node}). */
    static ArrayNode arr(Object... items) {
        ArrayNode array = NODES.arrayNode();
        for (Object item : items) {
            array.add(node(item));
        }
        return array;
    }

    /** An object from alternating keys and values (see {@link #node}). */
    static ObjectNode obj(Object... keysAndValues) {
        ObjectNode object = NODES.objectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            object.set((String) keysAndValues[i], node(keysAndValues[i + 1]));
        }
        return object;
    }

    /** A binary node holding the given bytes. */
    static BinaryNode bin(int... bytes) {
        byte[] data = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            data[i] = (byte) bytes[i];
        }
        return NODES.binaryNode(data);
    }

    /** The bytes of {@link #bin}. */
    static byte[] bytes(int... bytes) {
        return bin(bytes).binaryValue();
    }

    /** Parses JSON text. */
    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Converts a Java value (JsonNode, String, Integer, Long, Boolean, byte[], null) to a node. */
    static JsonNode node(Object value) {
        if (value instanceof JsonNode node) {
            return node;
        }
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof String text) {
            return NODES.textNode(text);
        }
        if (value instanceof Integer number) {
            return NODES.numberNode(number);
        }
        if (value instanceof Long number) {
            return NODES.numberNode(number);
        }
        if (value instanceof Double number) {
            return NODES.numberNode(number);
        }
        if (value instanceof Boolean bool) {
            return NODES.booleanNode(bool);
        }
        if (value instanceof byte[] data) {
            return NODES.binaryNode(data);
        }
        throw new IllegalArgumentException("unsupported value " + value.getClass());
    }

    /** The placeholder object for attachment {@code num}. */
    static ObjectNode placeholder(int num) {
        return obj("_placeholder", true, "num", num);
    }
}
