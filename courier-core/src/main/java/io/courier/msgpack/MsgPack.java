package io.courier.msgpack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON trees to msgpack and back, written as notepack.io writes them and read as it reads them: that is the codec of
 * {@code socket.io-msgpack-parser} (notepack.io 2.2), {@code @socket.io/redis-adapter} and
 * {@code @socket.io/redis-emitter} (notepack.io 3), so a Node peer decodes what we write into the same objects it
 * would have sent.
 *
 * <p>Writing: integers (and doubles with an integral value below 2^53, which JavaScript cannot tell from integers) in
 * the smallest integer format, other numbers as float64, strings as str, {@code BinaryNode}s as bin, objects as maps
 * with string keys (in their order). Reading: every msgpack format; bin becomes a {@code BinaryNode}, and so does
 * notepack's ext type 0 (how notepack 2 writes an {@code ArrayBuffer} or typed array: what a browser sends); a
 * timestamp (ext type -1) or notepack 2's date (fixext 8, type 0) the ISO-8601 text JavaScript's {@code Date.toJSON}
 * gives; notepack 2's {@code undefined} (fixext 1, type 0) is left out of a map and null elsewhere, as
 * {@code JSON.stringify} does; other extensions null; map keys their text.
 *
 * <p>Input is untrusted (a client, any publisher on a Redis channel): every length is checked against the bytes that
 * remain before anything is allocated, and nesting is limited ({@value #MAX_DEPTH} levels unless the caller says
 * otherwise), so a decode never allocates more than a small multiple of its input and never overflows the stack.
 * Every failure is a {@link MsgPackException}. Stateless and thread-safe.
 */
public final class MsgPack {
    /** The default nesting limit of {@link #encode(JsonNode)} and {@link #decode(byte[])}. */
    public static final int MAX_DEPTH = 64;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private MsgPack() {}

    /**
     * Encodes a tree nested at most {@value #MAX_DEPTH} levels deep.
     *
     * @throws IllegalArgumentException if it is nested deeper
     */
    public static byte[] encode(JsonNode node) {
        return encode(node, MAX_DEPTH);
    }

    /**
     * Encodes a tree.
     *
     * @param maxDepth the deepest nesting allowed (the top value is at depth 0)
     * @throws IllegalArgumentException if the tree is nested deeper
     */
    public static byte[] encode(JsonNode node, int maxDepth) {
        Writer w = new Writer(maxDepth);
        w.value(node, 0);
        return w.toByteArray();
    }

    /**
     * Decodes exactly one value nested at most {@value #MAX_DEPTH} levels deep.
     *
     * @throws MsgPackException if the bytes are not exactly one msgpack value within the limits
     */
    public static JsonNode decode(byte[] bytes) {
        return decode(bytes, MAX_DEPTH);
    }

    /**
     * Decodes exactly one value.
     *
     * @param maxDepth the deepest nesting allowed (the top value is at depth 0)
     * @throws MsgPackException if the bytes are not exactly one msgpack value within the limits
     */
    public static JsonNode decode(byte[] bytes, int maxDepth) {
        Reader r = new Reader(bytes, maxDepth);
        JsonNode node = r.value(0);
        if (r.pos != bytes.length) {
            throw new MsgPackException((bytes.length - r.pos) + " bytes after the msgpack value");
        }
        return node.isMissingNode() ? NODES.nullNode() : node;
    }

    private static final class Writer extends ByteArrayOutputStream {
        private final int maxDepth;

        Writer(int maxDepth) {
            super(64);
            this.maxDepth = maxDepth;
        }

        void value(JsonNode node, int depth) {
            if (depth > maxDepth) {
                throw new IllegalArgumentException("nested deeper than " + maxDepth);
            }
            switch (node.getNodeType()) {
                case NULL, MISSING -> write(0xc0);
                case BOOLEAN -> write(node.booleanValue() ? 0xc3 : 0xc2);
                case NUMBER -> number(node);
                case STRING -> string(node.textValue());
                case BINARY -> binary(binaryValue(node));
                case ARRAY -> {
                    header(node.size(), 0x90, 16, 0xdc, 0xdd);
                    for (JsonNode e : node) {
                        value(e, depth + 1);
                    }
                }
                case OBJECT -> {
                    header(node.size(), 0x80, 16, 0xde, 0xdf);
                    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        string(e.getKey());
                        value(e.getValue(), depth + 1);
                    }
                }
                case POJO -> string(node.asText());
            }
        }

        private static byte[] binaryValue(JsonNode node) {
            try {
                return node.binaryValue();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e); // a BinaryNode holds its bytes
            }
        }

        private void number(JsonNode node) {
            if (node.isIntegralNumber() && node.canConvertToLong()) {
                integer(node.longValue());
            } else if (node.isBigInteger()
                    && node.bigIntegerValue().signum() > 0
                    && node.bigIntegerValue().bitLength() <= 64) {
                write(0xcf); // above Long.MAX_VALUE: only a uint64 holds it
                int64(node.bigIntegerValue().longValue());
            } else {
                double d = node.doubleValue();
                if (d == Math.rint(d) && Math.abs(d) <= MAX_SAFE_INTEGER && !(d == 0 && 1 / d < 0)) {
                    integer((long) d);
                } else {
                    write(0xcb);
                    int64(Double.doubleToLongBits(d));
                }
            }
        }

        private void integer(long v) {
            if (v >= 0) {
                if (v < 0x80) {
                    write((int) v);
                } else if (v < 0x100) {
                    write(0xcc);
                    write((int) v);
                } else if (v < 0x10000) {
                    write(0xcd);
                    int16((int) v);
                } else if (v < 0x1_0000_0000L) {
                    write(0xce);
                    int32((int) v);
                } else {
                    write(0xcf);
                    int64(v);
                }
            } else if (v >= -32) {
                write((int) v & 0xff);
            } else if (v >= -128) {
                write(0xd0);
                write((int) v & 0xff);
            } else if (v >= -32768) {
                write(0xd1);
                int16((int) v);
            } else if (v >= Integer.MIN_VALUE) {
                write(0xd2);
                int32((int) v);
            } else {
                write(0xd3);
                int64(v);
            }
        }

        private void string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            int n = utf8.length;
            if (n < 32) {
                write(0xa0 | n);
            } else if (n < 0x100) {
                write(0xd9);
                write(n);
            } else if (n < 0x10000) {
                write(0xda);
                int16(n);
            } else {
                write(0xdb);
                int32(n);
            }
            write(utf8, 0, n);
        }

        private void binary(byte[] b) {
            int n = b.length;
            if (n < 0x100) {
                write(0xc4);
                write(n);
            } else if (n < 0x10000) {
                write(0xc5);
                int16(n);
            } else {
                write(0xc6);
                int32(n);
            }
            write(b, 0, n);
        }

        private void header(int n, int fix, int fixLimit, int code16, int code32) {
            if (n < fixLimit) {
                write(fix | n);
            } else if (n < 0x10000) {
                write(code16);
                int16(n);
            } else {
                write(code32);
                int32(n);
            }
        }

        private void int16(int v) {
            write(v >>> 8);
            write(v);
        }

        private void int32(int v) {
            int16(v >>> 16);
            int16(v);
        }

        private void int64(long v) {
            int32((int) (v >>> 32));
            int32((int) v);
        }
    }

    private static final class Reader {
        private final byte[] in;
        private final int maxDepth;
        int pos;

        Reader(byte[] in, int maxDepth) {
            this.in = in;
            this.maxDepth = maxDepth;
        }

        /** The value at {@code pos}; a {@link MissingNode} for notepack's {@code undefined}. */
        JsonNode value(int depth) {
            if (depth > maxDepth) {
                throw new MsgPackException("msgpack nested deeper than " + maxDepth);
            }
            int b = u8();
            if (b <= 0x7f) {
                return NODES.numberNode(b);
            }
            if (b >= 0xe0) {
                return NODES.numberNode(b - 0x100);
            }
            if (b <= 0x8f) {
                return map(b & 0x0f, depth);
            }
            if (b <= 0x9f) {
                return array(b & 0x0f, depth);
            }
            if (b <= 0xbf) {
                return NODES.textNode(string(b & 0x1f));
            }
            return switch (b) {
                case 0xc0 -> NODES.nullNode();
                case 0xc2 -> NODES.booleanNode(false);
                case 0xc3 -> NODES.booleanNode(true);
                case 0xc4 -> NODES.binaryNode(bytes(u8()));
                case 0xc5 -> NODES.binaryNode(bytes(u16()));
                case 0xc6 -> NODES.binaryNode(bytes(length32()));
                case 0xc7 -> ext(u8(), false);
                case 0xc8 -> ext(u16(), false);
                case 0xc9 -> ext(length32(), false);
                case 0xca -> NODES.numberNode((double) Float.intBitsToFloat(i32()));
                case 0xcb -> NODES.numberNode(Double.longBitsToDouble(i64()));
                case 0xcc -> NODES.numberNode(u8());
                case 0xcd -> NODES.numberNode(u16());
                case 0xce -> integer(i32() & 0xffff_ffffL);
                case 0xcf -> uint64(i64());
                case 0xd0 -> NODES.numberNode((int) (byte) u8());
                case 0xd1 -> NODES.numberNode((int) (short) u16());
                case 0xd2 -> NODES.numberNode(i32());
                case 0xd3 -> integer(i64());
                case 0xd4 -> ext(1, true);
                case 0xd5 -> ext(2, true);
                case 0xd6 -> ext(4, true);
                case 0xd7 -> ext(8, true);
                case 0xd8 -> ext(16, true);
                case 0xd9 -> NODES.textNode(string(u8()));
                case 0xda -> NODES.textNode(string(u16()));
                case 0xdb -> NODES.textNode(string(length32()));
                case 0xdc -> array(u16(), depth);
                case 0xdd -> array(length32(), depth);
                case 0xde -> map(u16(), depth);
                case 0xdf -> map(length32(), depth);
                default ->
                    throw new MsgPackException(String.format("msgpack byte 0x%02x at %d is not a value", b, pos - 1));
            };
        }

        private JsonNode uint64(long v) {
            return v >= 0 ? integer(v) : NODES.numberNode(new BigInteger(Long.toUnsignedString(v)));
        }

        /** The narrowest node, as Jackson reads JSON numbers: an int when it fits, so trees compare equal. */
        private static JsonNode integer(long v) {
            return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
        }

        private ArrayNode array(int n, int depth) {
            need(n); // every element takes at least one byte
            ArrayNode a = NODES.arrayNode(Math.min(n, 256));
            for (int i = 0; i < n; i++) {
                JsonNode e = value(depth + 1);
                a.add(e.isMissingNode() ? NODES.nullNode() : e);
            }
            return a;
        }

        private ObjectNode map(int n, int depth) {
            need(2L * n);
            ObjectNode o = NODES.objectNode();
            for (int i = 0; i < n; i++) {
                JsonNode key = value(depth + 1);
                JsonNode v = value(depth + 1);
                if (!v.isMissingNode()) {
                    o.set(key.isTextual() ? key.textValue() : key.asText(), v);
                }
            }
            return o;
        }

        /** An extension of {@code n} data bytes; {@code fixed} for the fixext formats (0xd4 to 0xd8). */
        private JsonNode ext(int n, boolean fixed) {
            int type = (byte) u8();
            byte[] data = bytes(n);
            if (type == -1) {
                try {
                    return date(timestamp(data));
                } catch (java.time.DateTimeException e) {
                    throw new MsgPackException("a msgpack timestamp out of range");
                }
            }
            if (type == 0) {
                // notepack 2's own extensions, which notepack 3 still reads
                if (!fixed) {
                    return NODES.binaryNode(data); // an ArrayBuffer or typed array
                }
                if (n == 1) {
                    return MissingNode.getInstance(); // undefined
                }
                if (n == 8) { // a Date: milliseconds since the epoch, as a signed 64-bit integer
                    return date(
                            Instant.ofEpochMilli(java.nio.ByteBuffer.wrap(data).getLong()));
                }
            }
            return NODES.nullNode(); // an extension JSON cannot carry
        }

        private static JsonNode date(Instant instant) {
            try {
                return NODES.textNode(ISO_MILLIS.format(instant));
            } catch (java.time.DateTimeException e) {
                throw new MsgPackException("a msgpack date out of range");
            }
        }

        private static Instant timestamp(byte[] d) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(d);
            return switch (d.length) {
                case 4 -> Instant.ofEpochSecond(b.getInt() & 0xffff_ffffL);
                case 8 -> {
                    long v = b.getLong();
                    yield Instant.ofEpochSecond(v & 0x3_ffff_ffffL, v >>> 34);
                }
                case 12 -> {
                    long nanos = b.getInt() & 0xffff_ffffL;
                    yield Instant.ofEpochSecond(b.getLong(), nanos);
                }
                default -> throw new MsgPackException("a msgpack timestamp of " + d.length + " bytes");
            };
        }

        private String string(int n) {
            need(n);
            String s = new String(in, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        private byte[] bytes(int n) {
            need(n);
            byte[] out = java.util.Arrays.copyOfRange(in, pos, pos + n);
            pos += n;
            return out;
        }

        private int length32() {
            int n = i32();
            if (n < 0) {
                throw new MsgPackException("a msgpack length over 2 GiB");
            }
            return n;
        }

        private void need(long n) {
            if (n > in.length - pos) {
                throw new MsgPackException(
                        "msgpack value needs " + n + " bytes, only " + (in.length - pos) + " remain");
            }
        }

        private int u8() {
            need(1);
            return in[pos++] & 0xff;
        }

        private int u16() {
            need(2);
            int v = ((in[pos] & 0xff) << 8) | (in[pos + 1] & 0xff);
            pos += 2;
            return v;
        }

        private int i32() {
            return (u16() << 16) | u16();
        }

        private long i64() {
            return ((long) i32() << 32) | (i32() & 0xffff_ffffL);
        }
    }
}
