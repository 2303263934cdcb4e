package io.courier.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Replaces every {@link BinaryNode} of a tree by a placeholder {@code
 * {"_placeholder":true,"num":i}}, numbering them depth-first (array elements in order, object members in order),
 * without mutating the tree: only the containers on the path to a binary node are copied (shallowly), everything
 * else is shared. The walk is iterative.
 */
final class BinaryExtractor {

    /**
     * The outcome of an extraction.
     *
     * @param data the tree to serialize: the input itself when it has no binary node
     * @param attachments the binary contents, in placeholder order (not copied)
     */
    record Result(JsonNode data, List<byte[]> attachments) {}

    /** One container being walked, and its copy once one of its children has changed. */
    private static final class Frame {
        private final JsonNode original;
        private final Iterator<Map.Entry<String, JsonNode>> members;
        private int nextIndex;
        private String currentKey;
        private JsonNode copy;

        Frame(JsonNode original) {
            this.original = original;
            this.members = original.isObject() ? original.properties().iterator() : null;
        }

        /** Returns the next child, or null when all children have been visited. */
        JsonNode nextChild() {
            if (members != null) {
                if (!members.hasNext()) {
                    return null;
                }
                Map.Entry<String, JsonNode> member = members.next();
                currentKey = member.getKey();
                return member.getValue();
            }
            return nextIndex < original.size() ? original.get(nextIndex++) : null;
        }

        /** Puts {@code replacement} in place of the child last returned by {@link #nextChild}, in the copy. */
        void replaceCurrent(JsonNode replacement, JsonNodeFactory nodes) {
            if (copy == null) {
                copy = members != null
                        ? nodes.objectNode().setAll((ObjectNode) original)
                        : nodes.arrayNode(original.size()).addAll((ArrayNode) original);
            }
            if (copy instanceof ArrayNode array) {
                array.set(nextIndex - 1, replacement);
            } else {
                ((ObjectNode) copy).replace(currentKey, replacement);
            }
        }

        JsonNode result() {
            return copy != null ? copy : original;
        }
    }

    private BinaryExtractor() {}

    /**
     * Whether {@code root} holds no binary node, looking at most three levels down without allocating (the shape of
     * nearly every packet); a deeper tree is walked by {@link #extract}.
     */
    static boolean isPlain(JsonNode root) {
        Boolean shallow = plain(root, 3);
        return shallow != null
                ? shallow
                : extract(root, JsonNodeFactory.instance).attachments().isEmpty();
    }

    /** False: a binary node within {@code depth} levels; true: none in the whole tree; null: not known (deeper). */
    private static Boolean plain(JsonNode node, int depth) {
        if (node.isBinary()) {
            return Boolean.FALSE;
        }
        if (!node.isContainerNode()) {
            return Boolean.TRUE;
        }
        if (depth == 0) {
            return null;
        }
        Boolean all = Boolean.TRUE;
        if (node instanceof ArrayNode array) {
            // by index: iterating an ArrayNode allocates an iterator per array (escape analysis does not remove it)
            for (int i = 0, n = array.size(); i < n; i++) {
                Boolean p = plain(array.get(i), depth - 1);
                if (p == Boolean.FALSE) {
                    return Boolean.FALSE;
                }
                if (p == null) {
                    all = null;
                }
            }
            return all;
        }
        // an object's entries: its map's entry set, one iterator (its values() are a new view and an iterator)
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            Boolean p = plain(e.getValue(), depth - 1);
            if (p == Boolean.FALSE) {
                return Boolean.FALSE;
            }
            if (p == null) {
                all = null;
            }
        }
        return all;
    }

    /** Extracts the binary nodes of {@code root} (which may itself be a binary node). */
    static Result extract(JsonNode root, JsonNodeFactory nodes) {
        if (plain(root, 3) == Boolean.TRUE) {
            return new Result(root, List.of());
        }
        List<byte[]> attachments = new ArrayList<>();
        if (root.isBinary()) {
            return new Result(placeholder(root, attachments, nodes), attachments);
        }
        if (!root.isContainerNode()) {
            return new Result(root, attachments);
        }
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(root));
        JsonNode result = root;
        while (!stack.isEmpty()) {
            Frame top = stack.peek();
            JsonNode child = top.nextChild();
            if (child == null) {
                stack.pop();
                JsonNode done = top.result();
                if (stack.isEmpty()) {
                    result = done;
                } else if (done != top.original) {
                    stack.peek().replaceCurrent(done, nodes);
                }
            } else if (child.isBinary()) {
                top.replaceCurrent(placeholder(child, attachments, nodes), nodes);
            } else if (child.isContainerNode() && !child.isEmpty()) {
                stack.push(new Frame(child));
            }
        }
        return new Result(result, attachments);
    }

    private static JsonNode placeholder(JsonNode binary, List<byte[]> attachments, JsonNodeFactory nodes) {
        ObjectNode placeholder = nodes.objectNode().put("_placeholder", true).put("num", attachments.size());
        attachments.add(((BinaryNode) binary).binaryValue());
        return placeholder;
    }
}
