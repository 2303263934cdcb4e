package io.courier.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Parses the common payload, strict JSON (RFC 8259) of modest size, straight from the packet text into the tree
 * Jackson would build, without a Jackson parser: no parser, contexts, buffers or symbol table set up per document
 * (about a fifth of what the server allocated per echo, and most of the decoding time). It declines, returning null,
 * whatever it does not handle or does not accept: the caller then parses with Jackson, which gives the tree or the
 * precise error. So it never accepts a text Jackson would refuse: it reads only the RFC's grammar (no comments, no
 * leading zeros, no control characters in strings, only the RFC's escapes), declines integers of more than 18 digits
 * (Jackson's big-integer nodes), numbers, strings and names longer than its limits or the mapper's constraints, and
 * nesting deeper than {@link #MAX_DEPTH}, and is not used with a mapper that rejects duplicate names in the parser.
 *
 * <p>The nodes come from the mapper's factory: an int node for an integer that fits, else a long node; a double
 * node for a number with a fraction or exponent; the last of two equal names kept, in the first one's place.
 */
final class PlainJsonParser {

    /** Deeper documents are Jackson's: they are rare, and its limit (1000 by default) is checked there. */
    static final int MAX_DEPTH = 64;

    /** Longer strings are Jackson's (it checks them against the mapper's limit). */
    static final int MAX_STRING_LENGTH = 1 << 16;

    /** Digits of the longest integer read here: 18 always fit in a long. */
    private static final int MAX_INTEGER_DIGITS = 18;

    /** Characters of the longest number read here (for integers, {@link #MAX_INTEGER_DIGITS} is the tighter bound). */
    private static final int MAX_NUMBER_LENGTH = 32;

    /** Names up to this long are kept in {@link #names} for the next document that has them. */
    static final int MAX_CACHED_NAME_LENGTH = 32;

    /**
     * The names read most recently, by hash: payloads repeat their few property names, and a name found here is not
     * copied out of the text again (an echo's three names were a twentieth of what the server allocated per event).
     * Shared by every thread without locks: a slot holds an immutable {@code String} or null, a race only costs a
     * copy. Bounded: {@value #NAME_SLOTS} names of at most {@value #MAX_CACHED_NAME_LENGTH} characters; a document
     * with other names evicts some, and is parsed the same.
     */
    private static final int NAME_SLOTS = 256;

    private final String[] names = new String[NAME_SLOTS];

    private final JsonNodeFactory nodes;
    private final int maxDepth;
    private final int maxStringLength;
    private final int maxNameLength;
    private final int maxNumberLength;

    private PlainJsonParser(JsonNodeFactory nodes, StreamReadConstraints limits) {
        this.nodes = nodes;
        this.maxDepth = Math.min(MAX_DEPTH, limits.getMaxNestingDepth());
        this.maxStringLength = Math.min(MAX_STRING_LENGTH, limits.getMaxStringLength());
        this.maxNameLength = Math.min(MAX_STRING_LENGTH, limits.getMaxNameLength());
        this.maxNumberLength = Math.min(MAX_NUMBER_LENGTH, limits.getMaxNumberLength());
    }

    /**
     * A parser for {@code mapper}'s documents, or null when its parser settings make Jackson refuse what the RFC
     * allows (duplicate names) or count what this parser does not (document length, tokens): every document is
     * Jackson's then.
     */
    static PlainJsonParser forMapper(ObjectMapper mapper) {
        StreamReadConstraints limits = mapper.getFactory().streamReadConstraints();
        if (mapper.getFactory().isEnabled(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                || limits.getMaxDocumentLength() > 0
                || limits.getMaxTokenCount() > 0) {
            return null;
        }
        return new PlainJsonParser(mapper.getNodeFactory(), limits);
    }

    /**
     * The tree of the one JSON value that is {@code text} from {@code start} to its end, or null when this parser
     * declines it (not plain, or not valid: Jackson decides). Thread-safe: each call has its own state, and
     * the names kept for the next documents are immutable strings.
     */
    JsonNode parse(String text, int start) {
        return new Cursor(this, text, start).document();
    }

    /** One document's position; a fresh one per call keeps the parser shareable. */
    private static final class Cursor {
        private final PlainJsonParser limits;
        private final JsonNodeFactory nodes;
        private final String text;
        private final int end;
        private int pos;

        Cursor(PlainJsonParser limits, String text, int start) {
            this.limits = limits;
            this.nodes = limits.nodes;
            this.text = text;
            this.end = text.length();
            this.pos = start;
        }

        JsonNode document() {
            JsonNode value = value(0);
            if (value == null) {
                return null;
            }
            skipWhitespace();
            return pos == end ? value : null;
        }

        private JsonNode value(int depth) {
            skipWhitespace();
            if (pos >= end) {
                return null;
            }
            char c = text.charAt(pos);
            switch (c) {
                case '{':
                    return depth < limits.maxDepth ? object(depth + 1) : null;
                case '[':
                    return depth < limits.maxDepth ? array(depth + 1) : null;
                case '"': {
                    String s = string(limits.maxStringLength);
                    return s == null ? null : nodes.textNode(s);
                }
                case 't':
                    return literal("true") ? nodes.booleanNode(true) : null;
                case 'f':
                    return literal("false") ? nodes.booleanNode(false) : null;
                case 'n':
                    return literal("null") ? nodes.nullNode() : null;
                default:
                    return c == '-' || (c >= '0' && c <= '9') ? number() : null;
            }
        }

        private ObjectNode object(int depth) {
            pos++; // '{'
            ObjectNode object = nodes.objectNode();
            skipWhitespace();
            if (pos < end && text.charAt(pos) == '}') {
                pos++;
                return object;
            }
            while (true) {
                skipWhitespace();
                if (pos >= end || text.charAt(pos) != '"') {
                    return null;
                }
                String name = name();
                if (name == null) {
                    return null;
                }
                skipWhitespace();
                if (pos >= end || text.charAt(pos) != ':') {
                    return null;
                }
                pos++;
                JsonNode value = value(depth);
                if (value == null) {
                    return null;
                }
                object.set(name, value); // a repeated name: the last value wins, as in Jackson's trees
                int next = afterItem('}');
                if (next != MORE) {
                    return next == CLOSED ? object : null;
                }
            }
        }

        private ArrayNode array(int depth) {
            pos++; // '['
            ArrayNode array = nodes.arrayNode();
            skipWhitespace();
            if (pos < end && text.charAt(pos) == ']') {
                pos++;
                return array;
            }
            while (true) {
                JsonNode value = value(depth);
                if (value == null) {
                    return null;
                }
                array.add(value);
                int next = afterItem(']');
                if (next != MORE) {
                    return next == CLOSED ? array : null;
                }
            }
        }

        private static final int MORE = 0;
        private static final int CLOSED = 1;
        private static final int INVALID = -1;

        /** After a member or element: {@link #MORE} past a comma, {@link #CLOSED} past {@code close}, else invalid. */
        private int afterItem(char close) {
            skipWhitespace();
            if (pos >= end) {
                return INVALID;
            }
            char c = text.charAt(pos++);
            return c == ',' ? MORE : c == close ? CLOSED : INVALID;
        }

        /** The string starting at the quote at {@code pos}, unescaped, or null if declined. */
        private String string(int maxLength) {
            int from = ++pos;
            while (pos < end) {
                char c = text.charAt(pos);
                if (c == '"') {
                    if (pos - from > maxLength) {
                        return null;
                    }
                    return text.substring(from, pos++);
                }
                if (c == '\\') {
                    return escapedString(from, maxLength);
                }
                if (c < 0x20) {
                    return null;
                }
                pos++;
            }
            return null;
        }

        /** The property name starting at the quote at {@code pos}, unescaped, or null if declined. */
        private String name() {
            int from = ++pos;
            int hash = 0;
            while (pos < end) {
                char c = text.charAt(pos);
                if (c == '"') {
                    int length = pos - from;
                    if (length > limits.maxNameLength) {
                        return null;
                    }
                    if (length > MAX_CACHED_NAME_LENGTH) {
                        return text.substring(from, pos++);
                    }
                    int slot = (hash ^ (hash >>> 8)) & (NAME_SLOTS - 1);
                    String known = limits.names[slot];
                    if (known == null || known.length() != length || !text.regionMatches(from, known, 0, length)) {
                        known = text.substring(from, pos);
                        limits.names[slot] = known;
                    }
                    pos++;
                    return known;
                }
                if (c == '\\') {
                    return escapedString(from, limits.maxNameLength);
                }
                if (c < 0x20) {
                    return null;
                }
                hash = 31 * hash + c;
                pos++;
            }
            return null;
        }

        /** The rest of a string from its first backslash at {@code pos}; {@code from} is its first character. */
        private String escapedString(int from, int maxLength) {
            StringBuilder out = new StringBuilder(pos - from + 16).append(text, from, pos);
            while (pos < end) {
                char c = text.charAt(pos++);
                if (c == '"') {
                    return out.length() > maxLength ? null : out.toString();
                }
                if (c < 0x20) {
                    return null;
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (pos >= end) {
                    return null;
                }
                char e = text.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (end - pos < 4) {
                            return null;
                        }
                        int code = 0;
                        for (int i = 0; i < 4; i++) {
                            int digit = hexDigit(text.charAt(pos++));
                            if (digit < 0) {
                                return null;
                            }
                            code = (code << 4) | digit;
                        }
                        out.append((char) code);
                    }
                    default -> {
                        return null;
                    }
                }
                if (out.length() > maxLength) {
                    return null;
                }
            }
            return null;
        }

        private JsonNode number() {
            int from = pos;
            if (text.charAt(pos) == '-') {
                pos++;
            }
            int digitsFrom = pos;
            if (pos >= end) {
                return null;
            }
            char first = text.charAt(pos);
            if (first == '0') {
                pos++;
            } else if (first >= '1' && first <= '9') {
                while (pos < end && isDigit(text.charAt(pos))) {
                    pos++;
                }
            } else {
                return null;
            }
            int digits = pos - digitsFrom;
            boolean fraction = false;
            if (pos < end && text.charAt(pos) == '.') {
                fraction = true;
                pos++;
                if (!skipDigits()) {
                    return null;
                }
            }
            if (pos < end && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
                fraction = true;
                pos++;
                if (pos < end && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                    pos++;
                }
                if (!skipDigits()) {
                    return null;
                }
            }
            if (pos < end && isDigit(text.charAt(pos))) {
                return null; // a leading zero followed by digits
            }
            if (!fraction) {
                if (digits > MAX_INTEGER_DIGITS || digits > limits.maxNumberLength) {
                    return null;
                }
                long value = 0;
                for (int i = digitsFrom; i < pos; i++) {
                    value = value * 10 + (text.charAt(i) - '0');
                }
                if (digitsFrom > from) {
                    value = -value;
                }
                return value == (int) value ? nodes.numberNode((int) value) : nodes.numberNode(value);
            }
            if (pos - from > limits.maxNumberLength) {
                return null;
            }
            double value = Double.parseDouble(text.substring(from, pos));
            return Double.isInfinite(value) ? null : nodes.numberNode(value);
        }

        /** Skips one or more digits; false if there is none. */
        private boolean skipDigits() {
            int from = pos;
            while (pos < end && isDigit(text.charAt(pos))) {
                pos++;
            }
            return pos > from;
        }

        private boolean literal(String word) {
            if (!text.startsWith(word, pos)) {
                return false;
            }
            pos += word.length();
            return true;
        }

        private void skipWhitespace() {
            while (pos < end) {
                char c = text.charAt(pos);
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                    return;
                }
                pos++;
            }
        }

        /** The value of an ASCII hex digit, or -1 (Character.digit would take other scripts' digits too). */
        private static int hexDigit(char c) {
            if (c >= '0' && c <= '9') {
                return c - '0';
            }
            if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
            }
            return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }
    }
}
