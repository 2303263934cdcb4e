package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.json.Attachments;
import io.courier.json.JsonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** How a durable message's event and arguments are stored: one payload per publish, binary arguments as base64. */
final class StoredPayload {
    private static final ObjectMapper JSON = JsonCodec.mapper();

    private StoredPayload() {}

    /** The stored form of an event: {@code {"d": [event, args...] with placeholders, "b": [base64...]}}. */
    static byte[] encode(ArrayNode data) {
        List<byte[]> attachments = new ArrayList<>();
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.set("d", Attachments.extract(data, attachments));
        if (!attachments.isEmpty()) {
            ArrayNode b = n.putArray("b");
            attachments.forEach(b::add);
        }
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ArrayNode decode(byte[] payload) {
        try {
            JsonNode n = JSON.readTree(payload);
            List<byte[]> attachments = new ArrayList<>();
            for (JsonNode b : n.path("b")) {
                attachments.add(b.binaryValue());
            }
            return (ArrayNode) Attachments.restore(n.path("d"), attachments);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
