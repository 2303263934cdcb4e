package io.courier.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Binary arguments in stored JSON: each binary node becomes {@code {"_placeholder":true,"num":i}} with its bytes kept
 * aside, as Socket.IO itself writes them, and is put back on reading.
 */
public final class Attachments {
    private Attachments() {}

    /** A copy of {@code node} with binary nodes replaced by placeholders; their bytes are added to {@code out}. */
    public static JsonNode extract(JsonNode node, List<byte[]> out) {
        if (node.isBinary()) {
            try {
                out.add(node.binaryValue());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return JsonNodeFactory.instance
                    .objectNode()
                    .put("_placeholder", true)
                    .put("num", out.size() - 1);
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode(node.size());
            node.forEach(child -> copy.add(extract(child, out)));
            return copy;
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                copy.set(e.getKey(), extract(e.getValue(), out));
            }
            return copy;
        }
        return node;
    }

    /** The inverse of {@link #extract}. */
    public static JsonNode restore(JsonNode node, List<byte[]> attachments) {
        if (node.isObject()
                && node.size() == 2
                && node.path("_placeholder").asBoolean(false)
                && node.path("num").canConvertToInt()) {
            int i = node.path("num").asInt();
            if (i >= 0 && i < attachments.size()) {
                return JsonNodeFactory.instance.binaryNode(attachments.get(i));
            }
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode(node.size());
            node.forEach(child -> copy.add(restore(child, attachments)));
            return copy;
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                copy.set(e.getKey(), restore(e.getValue(), attachments));
            }
            return copy;
        }
        return node;
    }
}
