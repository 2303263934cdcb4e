package io.courier.protocol;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;

/**
 * Parses the JSON payload that ends a packet text into a tree, with the caller's mapper (and so its {@link
 * com.fasterxml.jackson.core.StreamReadConstraints}), rejecting trailing content. Every Jackson failure, including
 * constraint violations such as excessive nesting, becomes a {@link SocketIoProtocolException} with a short message.
 *
 * <p>Most payloads are read by {@link PlainJsonParser}, which builds the same tree as Jackson's {@code JsonNode}
 * deserializer with a mapper's default features, without a Jackson parser; what it declines (invalid JSON, big
 * numbers, long strings, deep nesting) is read by the mapper's {@code ObjectReader}, as is every document of a mapper
 * with a feature that changes trees (big decimals for floats, long or big-integer ints, failing on duplicate names,
 * dropping null properties).
 */
final class JsonPayloadReader {

    /** Longest part of Jackson's own message that is kept in ours (it may quote a token of the payload). */
    private static final int MAX_DETAIL_LENGTH = 120;

    /** Where Jackson's description of a source location starts; it adds nothing to our position. */
    private static final String START_MARKER = " (start marker at ";

    private final ObjectMapper mapper;
    private final ObjectReader reader;
    // the parser of plain JSON for this mapper, or null when every document is the reader's
    private final PlainJsonParser plain;

    /** The reader of the last mapper asked for: readers are immutable and thread-safe, shared by every connection. */
    private static volatile JsonPayloadReader last;

    /** A reader for {@code mapper}'s trees: the same instance as the last call's for the same mapper. */
    static JsonPayloadReader of(ObjectMapper mapper) {
        JsonPayloadReader r = last;
        if (r == null || r.mapper != mapper) {
            r = new JsonPayloadReader(mapper);
            last = r;
        }
        return r;
    }

    JsonPayloadReader(ObjectMapper mapper) {
        this.mapper = mapper;
        this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.plain = buildsPlainTrees(mapper.getDeserializationConfig()) ? PlainJsonParser.forMapper(mapper) : null;
    }

    /** The node factory of the trees this reader makes. */
    JsonNodeFactory nodes() {
        return mapper.getNodeFactory();
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
        JsonNode tree = plain == null ? null : plain.parse(text, start);
        if (tree != null) {
            return tree;
        }
        try {
            tree = reader.readTree(new TextReader(text, start)); // the tree, or Jackson's precise error
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
