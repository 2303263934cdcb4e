package io.courier.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The arguments of a received event or acknowledgement, as JSON trees with binary attachments in place: a binary
 * argument is a {@code BinaryNode} and {@link #getBytes(int)} returns its bytes. Immutable; safe to keep and to pass
 * between threads.
 */
public final class Args {
    private final List<JsonNode> values;

    Args(List<JsonNode> values) {
        this.values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    /** How many arguments there are. */
    public int size() {
        return values.size();
    }

    /** All arguments, as JSON trees. */
    public List<JsonNode> nodes() {
        return values;
    }

    /** The argument at {@code index} as a JSON tree; a {@code MissingNode} when there is none. */
    public JsonNode node(int index) {
        return index >= 0 && index < values.size()
                ? values.get(index)
                : com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /** The argument as a string, or null when it is absent or not a JSON string. */
    public String getString(int index) {
        JsonNode n = node(index);
        return n.isTextual() ? n.textValue() : null;
    }

    /** The argument's bytes when it arrived as a binary attachment, else null. */
    public byte[] getBytes(int index) {
        JsonNode n = node(index);
        if (!n.isBinary()) {
            return null;
        }
        try {
            return n.binaryValue().clone();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /**
     * The argument mapped to a Java type with Jackson ({@code args.get(0, Parcel.class)}).
     *
     * @throws IllegalArgumentException when it does not map
     */
    public <T> T get(int index, Class<T> type) {
        try {
            return SocketIoPacket.Json.MAPPER.treeToValue(node(index), type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "argument " + index + " is not a " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    Args subList(int from, int to) {
        return new Args(values.subList(from, to));
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
