package io.courier.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The attachment placeholders of a received binary packet: where they are in the payload tree and which attachment
 * each one names. Built (and validated) when the header arrives, filled when all attachments have arrived.
 *
 * <p>A JSON object whose {@code "_placeholder"} member is {@code true} is a placeholder; it must have exactly the
 * members {@code "_placeholder"} and {@code "num"}, where {@code num} is an integer in {@code [0, count)}. The walk
 * is iterative, so the depth of the tree does not matter.
 */
final class PlaceholderSlots {

    private static final String PLACEHOLDER = "_placeholder";
    private static final String NUM = "num";

    /** One placeholder: its parent container, its place in it (index or key), and its attachment number. */
    private record Slot(JsonNode parent, int index, String key, int num) {}

    private final List<Slot> slots;

    private PlaceholderSlots(List<Slot> slots) {
        this.slots = slots;
    }

    /**
     * Finds and validates every placeholder below {@code root} (the root itself is an array, never a placeholder).
     *
     * @throws SocketIoProtocolException "illegal attachments (...)" for a malformed placeholder
     */
    static PlaceholderSlots collect(JsonNode root, int attachmentCount) {
        List<Slot> slots = new ArrayList<>();
        Deque<JsonNode> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    visit(node, i, null, node.get(i), attachmentCount, slots, pending);
                }
            } else if (node.isObject()) {
                for (Map.Entry<String, JsonNode> member : node.properties()) {
                    visit(node, -1, member.getKey(), member.getValue(), attachmentCount, slots, pending);
                }
            }
        }
        return new PlaceholderSlots(slots);
    }

    private static void visit(
            JsonNode parent,
            int index,
            String key,
            JsonNode child,
            int attachmentCount,
            List<Slot> slots,
            Deque<JsonNode> pending) {
        if (isPlaceholder(child)) {
            slots.add(new Slot(parent, index, key, validNum(child, attachmentCount)));
        } else if (child.isContainerNode() && !child.isEmpty()) {
            pending.push(child);
        }
    }

    private static boolean isPlaceholder(JsonNode node) {
        return node.isObject()
                && node.path(PLACEHOLDER).isBoolean()
                && node.get(PLACEHOLDER).booleanValue();
    }

    private static int validNum(JsonNode placeholder, int attachmentCount) {
        if (placeholder.size() != 2) {
            throw new SocketIoProtocolException("illegal attachments (a placeholder must have exactly the members "
                    + PLACEHOLDER + " and " + NUM + ")");
        }
        JsonNode num = placeholder.path(NUM);
        if (!num.isIntegralNumber()
                || !num.canConvertToInt()
                || num.intValue() < 0
                || num.intValue() >= attachmentCount) {
            throw new SocketIoProtocolException(
                    "illegal attachments (placeholder num must be an integer in [0, " + attachmentCount + "))");
        }
        return num.intValue();
    }

    /** Replaces every placeholder by a binary node holding its attachment (the arrays are not copied). */
    void fill(List<byte[]> attachments, JsonNodeFactory nodes) {
        for (Slot slot : slots) {
            JsonNode binary = nodes.binaryNode(attachments.get(slot.num()));
            if (slot.parent() instanceof ArrayNode array) {
                array.set(slot.index(), binary);
            } else {
                ((ObjectNode) slot.parent()).set(slot.key(), binary);
            }
        }
    }
}
