package io.courier.protocol;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a plain tree, the common payload, as UTF-8 JSON after a message prefix, byte for byte as the mapper's
 * generator would, without a generator: no generator, contexts, serializer provider or buffers set up per message
 * (about a tenth of what the server allocated per echo). Plain means objects, arrays, strings without surrogates,
 * int and long numbers, finite doubles, booleans and nulls, nested at most {@link #MAX_DEPTH} deep; for anything else
 * {@link #write} returns null and the caller writes with Jackson. Strings are escaped as Jackson's defaults do:
 * {@code "} and the backslash with a backslash, {@code \b \t \n \f \r} by name, other control characters as a
 * backslash, {@code u00} and two upper-case hex digits, everything else as its UTF-8 bytes.
 */
final class PlainJsonWriter {

    /** Deeper trees are Jackson's. */
    static final int MAX_DEPTH = 64;

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private byte[] buf;
    private int size;

    private PlainJsonWriter(byte[] prefix) {
        buf = Arrays.copyOf(prefix, prefix.length + 128);
        size = prefix.length;
    }

    /**
     * Whether the mapper writes trees as this class does: its generator's defaults for escaping, quoting and
     * doubles, and every property of an object, in its order, empty arrays and nulls included.
     */
    static boolean writesLikeJackson(ObjectMapper mapper) {
        SerializationConfig config = mapper.getSerializationConfig();
        return mapper.getFactory().getCharacterEscapes() == null
                && !mapper.getFactory().isEnabled(JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature())
                && !mapper.getFactory().isEnabled(JsonWriteFeature.WRITE_NUMBERS_AS_STRINGS.mappedFeature())
                && mapper.getFactory().isEnabled(JsonWriteFeature.QUOTE_FIELD_NAMES.mappedFeature())
                && mapper.getFactory().isEnabled(JsonWriteFeature.WRITE_HEX_UPPER_CASE.mappedFeature())
                && !mapper.getFactory().isEnabled(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                && config.isEnabled(SerializationFeature.WRITE_EMPTY_JSON_ARRAYS)
                && config.isEnabled(JsonNodeFeature.WRITE_NULL_PROPERTIES)
                && !config.isEnabled(JsonNodeFeature.WRITE_PROPERTIES_SORTED);
    }

    /** {@code prefix} then {@code tree} as JSON, in an array of the exact size; null if the tree is not plain. */
    static byte[] write(byte[] prefix, JsonNode tree) {
        PlainJsonWriter out = new PlainJsonWriter(prefix);
        if (!out.value(tree, 0)) {
            return null;
        }
        return out.size == out.buf.length ? out.buf : Arrays.copyOf(out.buf, out.size);
    }

    private boolean value(JsonNode node, int depth) {
        if (node instanceof TextNode t) {
            return string(t.textValue());
        }
        if (node instanceof ObjectNode o) {
            return depth < MAX_DEPTH && object(o, depth + 1);
        }
        if (node instanceof ArrayNode a) {
            return depth < MAX_DEPTH && array(a, depth + 1);
        }
        if (node instanceof IntNode || node instanceof LongNode) {
            number(node.longValue());
            return true;
        }
        if (node instanceof DoubleNode d) {
            double v = d.doubleValue();
            if (!Double.isFinite(v)) {
                return false;
            }
            ascii(Double.toString(v));
            return true;
        }
        if (node instanceof BooleanNode) {
            ascii(node.booleanValue() ? "true" : "false");
            return true;
        }
        if (node instanceof NullNode) {
            ascii("null");
            return true;
        }
        return false; // big numbers, floats, binary, POJOs, raw values, missing: Jackson's
    }

    private boolean object(ObjectNode object, int depth) {
        byteOut('{');
        boolean first = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!first) {
                byteOut(',');
            }
            first = false;
            if (!string(field.getKey())) {
                return false;
            }
            byteOut(':');
            if (!value(field.getValue(), depth)) {
                return false;
            }
        }
        byteOut('}');
        return true;
    }

    private boolean array(ArrayNode array, int depth) {
        byteOut('[');
        for (int i = 0, n = array.size(); i < n; i++) {
            if (i > 0) {
                byteOut(',');
            }
            if (!value(array.get(i), depth)) {
                return false;
            }
        }
        byteOut(']');
        return true;
    }

    /** The string, quoted and escaped; false (nothing useful written) if it holds a surrogate. */
    private boolean string(String s) {
        int n = s.length();
        // room for one byte per character and the quotes (the common string, ASCII without escapes); a character that
        // takes more makes room for its own bytes (6 at most) and again one byte for each one after it
        ensure(n + 2);
        buf[size++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                buf[size++] = (byte) c;
                continue;
            }
            ensure(n - i + 6);
            if (c == '"' || c == '\\') {
                buf[size++] = '\\';
                buf[size++] = (byte) c;
            } else if (c < 0x20) {
                buf[size++] = '\\';
                switch (c) {
                    case '\b' -> buf[size++] = 'b';
                    case '\t' -> buf[size++] = 't';
                    case '\n' -> buf[size++] = 'n';
                    case '\f' -> buf[size++] = 'f';
                    case '\r' -> buf[size++] = 'r';
                    default -> {
                        buf[size++] = 'u';
                        buf[size++] = '0';
                        buf[size++] = '0';
                        buf[size++] = HEX[c >> 4];
                        buf[size++] = HEX[c & 0xF];
                    }
                }
            } else if (c < 0x800) {
                buf[size++] = (byte) (0xC0 | (c >> 6));
                buf[size++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                return false;
            } else {
                buf[size++] = (byte) (0xE0 | (c >> 12));
                buf[size++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[size++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        ensure(1);
        buf[size++] = '"';
        return true;
    }

    /** {@code v} in decimal, as {@link Long#toString} writes it, without the string: two digits per division. */
    private void number(long v) {
        if (v == Long.MIN_VALUE) {
            ascii(Long.toString(v));
            return;
        }
        int n = length(v);
        ensure(n);
        int at = size + n;
        size = at;
        long rest = Math.abs(v);
        while (rest >= 100) {
            int two = (int) (rest % 100);
            rest /= 100;
            buf[--at] = (byte) ('0' + two % 10);
            buf[--at] = (byte) ('0' + two / 10);
        }
        int last = (int) rest;
        buf[--at] = (byte) ('0' + last % 10);
        if (last >= 10) {
            buf[--at] = (byte) ('0' + last / 10);
        }
        if (v < 0) {
            buf[--at] = '-';
        }
    }

    /** 10, 100, ... 10^18: a long of n digits is below the (n-1)th. */
    private static final long[] POWERS_OF_TEN = new long[18];

    static {
        long p = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            p *= 10;
            POWERS_OF_TEN[i] = p;
        }
    }

    /** The characters of {@code v} in decimal. */
    private static int length(long v) {
        if (v == Long.MIN_VALUE) {
            return 20;
        }
        long abs = Math.abs(v);
        int digits = 1;
        while (digits <= POWERS_OF_TEN.length && abs >= POWERS_OF_TEN[digits - 1]) {
            digits++;
        }
        return v < 0 ? digits + 1 : digits;
    }

    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[size++] = (byte) s.charAt(i);
        }
    }

    private void byteOut(char c) {
        ensure(1);
        buf[size++] = (byte) c;
    }

    private void ensure(int more) {
        int need = size + more;
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(need, buf.length + (buf.length >> 1)));
        }
    }
}
