package io.courier.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
 * JSON trees to msgpack and back, written as notepack.io 3 writes them and read as it reads them: that is the codec of
 * {@code @socket.io/redis-adapter} and {@code @socket.io/redis-emitter}, so a Node peer decodes what we publish into
 * the same objects it would have sent.
 *
 * <p>Writing: integers (and doubles with an integral value below 2^53, which JavaScript cannot tell from integers) in
 * the smallest integer format, other numbers as float64, strings as str, {@code BinaryNode}s as bin, objects as maps
 * with string keys. Reading: every msgpack format; bin becomes a {@code BinaryNode}, a timestamp (ext type -1) the
 * ISO-8601 text JavaScript's {@code Date.toJSON} gives, other extensions (notepack's legacy {@code undefined}) null,
 * map keys their text. Input is untrusted (any publisher on the channel): every length is checked against the bytes
 * that remain before anything is allocated, and nesting is limited to {@value #MAX_DEPTH} levels.
 */
final class MsgPack {
    static final int MAX_DEPTH = 64;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private MsgPack() {}

    static byte[] encode(JsonNode node) {
        Writer w = new Writer();
        w.value(node, 0);
        return w.toByteArray();
    }

    /** @throws MalformedMessageException if the bytes are not exactly one msgpack value within the limits */
    static JsonNode decode(byte[] bytes) {
        Reader r = new Reader(bytes);
        JsonNode node = r.value(0);
        if (r.pos != bytes.length) {
            throw new MalformedMessageException((bytes.length - r.pos) + " bytes after the msgpack value");
        }
        return node;
    }

    private static final class Writer extends ByteArrayOutputStream {
        Writer() {
            super(64);
        }

        void value(JsonNode node, int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("nested deeper than " + MAX_DEPTH);
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
        int pos;

        Reader(byte[] in) {
            this.in = in;
        }

        JsonNode value(int depth) {
            if (depth > MAX_DEPTH) {
                throw new MalformedMessageException("msgpack nested deeper than " + MAX_DEPTH);
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
                case 0xc7 -> ext(u8());
                case 0xc8 -> ext(u16());
                case 0xc9 -> ext(length32());
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
                case 0xd4 -> ext(1);
                case 0xd5 -> ext(2);
                case 0xd6 -> ext(4);
                case 0xd7 -> ext(8);
                case 0xd8 -> ext(16);
                case 0xd9 -> NODES.textNode(string(u8()));
                case 0xda -> NODES.textNode(string(u16()));
                case 0xdb -> NODES.textNode(string(length32()));
                case 0xdc -> array(u16(), depth);
                case 0xdd -> array(length32(), depth);
                case 0xde -> map(u16(), depth);
                case 0xdf -> map(length32(), depth);
                default ->
                    throw new MalformedMessageException(
                            String.format("msgpack byte 0x%02x at %d is not a value", b, pos - 1));
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
                a.add(value(depth + 1));
            }
            return a;
        }

        private ObjectNode map(int n, int depth) {
            need(2L * n);
            ObjectNode o = NODES.objectNode();
            for (int i = 0; i < n; i++) {
                JsonNode key = value(depth + 1);
                o.set(key.isTextual() ? key.textValue() : key.asText(), value(depth + 1));
            }
            return o;
        }

        private JsonNode ext(int n) {
            int type = (byte) u8();
            byte[] data = bytes(n);
            if (type == -1) {
                return NODES.textNode(ISO_MILLIS.format(timestamp(data)));
            }
            return NODES
                    .nullNode(); // notepack's legacy undefined (fixext 1, type 0), or an extension JSON cannot carry
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
                default -> throw new MalformedMessageException("a msgpack timestamp of " + d.length + " bytes");
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
                throw new MalformedMessageException("a msgpack length over 2 GiB");
            }
            return n;
        }

        private void need(long n) {
            if (n > in.length - pos) {
                throw new MalformedMessageException(
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
