package io.courier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;

/**
 * The arguments of one event or acknowledgement, as JSON trees; binary arguments are {@code BinaryNode}s. Binding to
 * your own classes happens here, on the handler thread, not in the decoder. Immutable.
 */
public final class EventArgs {
    private final List<JsonNode> values;
    private final ObjectMapper mapper;

    public EventArgs(List<JsonNode> values, ObjectMapper mapper) {
        this.values = List.copyOf(values);
        this.mapper = mapper;
    }

    public int size() {
        return values.size();
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** All arguments; do not modify the nodes. */
    public List<JsonNode> values() {
        return values;
    }

    /** Argument {@code i}, or a {@code MissingNode} past the end. */
    public JsonNode get(int i) {
        return i < values.size() ? values.get(i) : com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /**
     * Argument {@code i} bound to {@code type} with Jackson ({@code byte[]} for binary).
     *
     * @throws IllegalArgumentException naming the index and type when the argument does not fit
     */
    public <T> T get(int i, Class<T> type) {
        JsonNode n = get(i);
        try {
            if (type == byte[].class && n.isBinary()) {
                return type.cast(n.binaryValue());
            }
            return mapper.treeToValue(n, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "argument " + i + " is not a " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("argument " + i + ": " + e.getMessage(), e);
        }
    }

    /** Argument {@code i} as text, or null if absent or JSON null. */
    public String getString(int i) {
        JsonNode n = get(i);
        return n.isMissingNode() || n.isNull() ? null : n.asText();
    }

    /** Argument {@code i} as bytes (binary argument), or null if it is not binary. */
    public byte[] getBytes(int i) {
        JsonNode n = get(i);
        try {
            return n.isBinary() ? n.binaryValue() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The arguments as plain Java values (for passing them on to another emit). */
    public Object[] toArray() {
        return values.toArray();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
