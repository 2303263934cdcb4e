package io.courier.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Parses the JSON payload that ends a packet text into a tree, with the caller's mapper (and so its {@link
 * com.fasterxml.jackson.core.StreamReadConstraints}), rejecting trailing content. Every Jackson failure, including
 * constraint violations such as excessive nesting, becomes a {@link SocketIoProtocolException} with a short message.
 *
 * <p>The tree is built here from the parser's tokens, iteratively, into the mapper's node factory: the same nodes
 * Jackson's {@code JsonNode} deserializer builds with a mapper's default features (an int, long or big-integer node as
 * the number needs; a double node for a fraction; the last of two equal keys kept), without the deserialization
 * context and lookups {@code ObjectReader.readTree} sets up for every document (BENCHMARKS.md, "What each change
 * bought"). A mapper with any feature that changes the tree (big decimals for floats, long or big-integer ints,
 * failing on duplicate keys, dropping null properties) is read through its {@code ObjectReader}.
 */
final class JsonPayloadReader {

    /** Longest part of Jackson's own message that is kept in ours (it may quote a token of the payload). */
    private static final int MAX_DETAIL_LENGTH = 120;

    /** Where Jackson's description of a source location starts; it adds nothing to our position. */
    private static final String START_MARKER = " (start marker at ";

    private final Cached parsing; // one field, not a reader and a node factory: one of these per connection

    /** The reader of the last mapper seen: readers are immutable and thread-safe, and one per connection costs ~250 B. */
    private static volatile Cached cached;

    /** Containers open at once before {@link #build}'s stack grows: an event's arguments rarely nest deeper. */
    private static final int INITIAL_DEPTH = 8;

    /** {@code plainTree}: whether the tree is built here ({@link #build}) rather than by {@code reader}. */
    private record Cached(
            ObjectMapper mapper, ObjectReader reader, JsonFactory factory, JsonNodeFactory nodes, boolean plainTree) {}

    JsonPayloadReader(ObjectMapper mapper) {
        Cached c = cached;
        if (c == null || c.mapper() != mapper) {
            c = new Cached(
                    mapper,
                    mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS),
                    mapper.getFactory(),
                    mapper.getNodeFactory(),
                    buildsPlainTrees(mapper.getDeserializationConfig()));
            cached = c;
        }
        this.parsing = c;
    }

    private static boolean buildsPlainTrees(DeserializationConfig config) {
        return !config.isEnabled(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                && !config.isEnabled(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
                && !config.isEnabled(DeserializationFeature.USE_LONG_FOR_INTS)
                && !config.isEnabled(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                && config.isEnabled(JsonNodeFeature.READ_NULL_PROPERTIES);
    }

    /**
     * Parses {@code text} from {@code start} to its end. Error messages are {@code "invalid json (at position N): "}
     * followed by the first 120 characters of Jackson's description, N being the index in {@code text} where Jackson
     * stopped; constraint violations, which Jackson reports without a location, read {@code "invalid json: ..."}.
     *
     * @return the tree, or null when {@code start} is the end of the text (no payload)
     * @throws SocketIoProtocolException when the rest is not exactly one JSON value
     */
    JsonNode read(String text, int start) {
        if (start >= text.length()) {
            return null;
        }
        if (text.length() - start == 2 && text.charAt(start) == '[' && text.charAt(start + 1) == ']') {
            // an ack without arguments (a durable delivery's, say): no parser for the commonest payload of all
            return parsing.nodes().arrayNode(0);
        }
        JsonNode tree;
        try {
            if (!parsing.plainTree()) {
                tree = parsing.reader().readTree(new TextReader(text, start));
            } else {
                try (JsonParser parser = parsing.factory().createParser(new TextReader(text, start))) {
                    tree = build(parser, parsing.nodes());
                    JsonToken trailing = tree == null ? null : parser.nextToken();
                    if (trailing != null) {
                        throw new SocketIoProtocolException("invalid json (at position "
                                + (start + parser.currentTokenLocation().getCharOffset())
                                + "): trailing token " + trailing + " after the value");
                    }
                }
            }
        } catch (JsonProcessingException e) {
            throw new SocketIoProtocolException(describe(e, start));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // TextReader never fails
        }
        if (tree == null || tree.isMissingNode()) {
            throw new SocketIoProtocolException("invalid json (at position " + start + "): no value");
        }
        return tree;
    }

    /**
     * Builds the tree of the parser's next value, or returns null at the end of the input. Iterative, so that the
     * nesting depth is bounded by the parser's constraints, not by this thread's stack.
     */
    private static JsonNode build(JsonParser parser, JsonNodeFactory nodes) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            return null;
        }
        if (!token.isStructStart()) {
            return scalar(parser, token, nodes);
        }
        ContainerNode<?>[] open = new ContainerNode<?>[INITIAL_DEPTH];
        int depth = 0;
        ContainerNode<?> root = token == JsonToken.START_ARRAY ? nodes.arrayNode() : nodes.objectNode();
        open[0] = root;
        ContainerNode<?> current = root;
        while (true) {
            token = parser.nextToken(); // throws on the end of the input inside a container
            String name = null;
            if (token.isStructEnd()) {
                if (depth == 0) {
                    return root;
                }
                current = open[--depth];
                continue;
            }
            if (token == JsonToken.FIELD_NAME) {
                name = parser.currentName();
                token = parser.nextToken();
            }
            if (token.isStructStart()) {
                ContainerNode<?> child = token == JsonToken.START_ARRAY ? nodes.arrayNode() : nodes.objectNode();
                add(current, name, child);
                if (++depth == open.length) {
                    open = Arrays.copyOf(open, depth * 2);
                }
                open[depth] = child;
                current = child;
                continue;
            }
            add(current, name, scalar(parser, token, nodes));
        }
    }

    private static void add(ContainerNode<?> container, String name, JsonNode value) {
        if (name == null) {
            ((ArrayNode) container).add(value);
        } else {
            ((ObjectNode) container).set(name, value); // a repeated key: the last one wins, as in Jackson's trees
        }
    }

    private static JsonNode scalar(JsonParser parser, JsonToken token, JsonNodeFactory nodes) throws IOException {
        return switch (token) {
            case VALUE_STRING -> nodes.textNode(parser.getText());
            case VALUE_NUMBER_INT ->
                switch (parser.getNumberType()) {
                    case INT -> nodes.numberNode(parser.getIntValue());
                    case LONG -> nodes.numberNode(parser.getLongValue());
                    default -> nodes.numberNode(parser.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT ->
                switch (parser.getNumberType()) {
                    case BIG_DECIMAL -> nodes.numberNode(parser.getDecimalValue());
                    case FLOAT -> nodes.numberNode(parser.getFloatValue());
                    default -> nodes.numberNode(parser.getDoubleValue());
                };
            case VALUE_TRUE -> nodes.booleanNode(true);
            case VALUE_FALSE -> nodes.booleanNode(false);
            case VALUE_NULL -> nodes.nullNode();
            default -> throw new IllegalStateException("unexpected token in a JSON text: " + token);
        };
    }

    private static String describe(JsonProcessingException e, int start) {
        String detail = e.getOriginalMessage();
        if (detail == null) {
            detail = e.getClass().getSimpleName();
        }
        detail = cutAt(cutAt(detail, "\n"), START_MARKER);
        if (detail.length() > MAX_DETAIL_LENGTH) {
            detail = detail.substring(0, MAX_DETAIL_LENGTH) + "...";
        }
        JsonLocation location = e.getLocation();
        if (location == null || location.getCharOffset() < 0) {
            return "invalid json: " + detail;
        }
        return "invalid json (at position " + (start + location.getCharOffset()) + "): " + detail;
    }

    private static String cutAt(String text, String marker) {
        int at = text.indexOf(marker);
        return at < 0 ? text : text.substring(0, at);
    }

    /**
     * The text from {@code start} on as a {@link Reader}, without copying it first: Jackson reads it in chunks into its
     * own (pooled) buffer. Not thread-safe; one per document.
     */
    private static final class TextReader extends Reader {
        private final String text;
        private int next;

        TextReader(String text, int start) {
            this.text = text;
            this.next = start;
        }

        @Override
        public int read(char[] buffer, int offset, int length) {
            int n = Math.min(length, text.length() - next);
            if (n <= 0) {
                return length == 0 ? 0 : -1;
            }
            text.getChars(next, next + n, buffer, offset);
            next += n;
            return n;
        }

        @Override
        public void close() {}
    }
}
