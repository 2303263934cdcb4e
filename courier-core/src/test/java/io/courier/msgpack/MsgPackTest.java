package io.courier.msgpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The codec against bytes notepack.io 3.0.1 wrote (generated with Node 20 and pasted here as hex). */
class MsgPackTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    /** notepack.encode(["AbC123", {type:2, data:[...], nsp:"/"}, {rooms:["r1"], except:[], flags:{volatile:true}}]) */
    private static final String BROADCAST =
            "93a641624331323383a47479706502a4646174619fa46e65777301ffcd012cd1fed4ce00011170"
                    + "d2fffeee90cf0000000100000000cb3ff8000000000000a2c3a9c3c2c0c40301020381a1619201a178a36e7370a12f83a5726f"
                    + "6f6d7391a27231a665786365707490a5666c61677381a8766f6c6174696c65c3";

    private static JsonNode broadcastTree() {
        ArrayNode data = NODES.arrayNode()
                .add("news")
                .add(1)
                .add(-1)
                .add(300)
                .add(-300)
                .add(70000)
                .add(-70000)
                .add(4294967296L)
                .add(1.5)
                .add("é")
                .add(true)
                .add(false)
                .addNull()
                .add(new byte[] {1, 2, 3});
        ObjectNode nested = data.addObject();
        nested.putArray("a").add(1).add("x");
        ObjectNode packet = NODES.objectNode();
        packet.put("type", 2);
        packet.set("data", data);
        packet.put("nsp", "/");
        ObjectNode opts = NODES.objectNode();
        opts.putArray("rooms").add("r1");
        opts.putArray("except");
        opts.putObject("flags").put("volatile", true);
        return NODES.arrayNode().add("AbC123").add(packet).add(opts);
    }

    @Test
    void writesWhatNotepackWrites() {
        assertThat(HEX.formatHex(MsgPack.encode(broadcastTree()))).isEqualTo(BROADCAST);
        assertThat(hex(NODES.textNode("x".repeat(40)))).startsWith("d928");
        assertThat(hex(NODES.textNode("y".repeat(300)))).startsWith("da012c");
        ArrayNode twenty = NODES.arrayNode();
        for (int i = 0; i < 20; i++) {
            twenty.add(i);
        }
        assertThat(hex(twenty)).isEqualTo("dc0014000102030405060708090a0b0c0d0e0f10111213");
        assertThat(hex(array(-1, -32, -33, -128, -129, -32768, -32769, -2147483648L, -2147483649L)))
                .isEqualTo("99ffe0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffff");
        assertThat(hex(array(127, 128, 255, 256, 65535, 65536, 4294967295L)))
                .isEqualTo("977fcc80ccffcd0100cdffffce00010000ceffffffff");
    }

    @Test
    void writesIntegralDoublesAsJavaScriptDoes() {
        // JavaScript has one number type: 3.0 is 3, so notepack writes an integer
        assertThat(hex(NODES.numberNode(3.0))).isEqualTo("03");
        assertThat(hex(NODES.numberNode(0.1))).isEqualTo("cb3fb999999999999a");
        assertThat(hex(NODES.numberNode(new java.math.BigInteger("18446744073709551615"))))
                .isEqualTo("cfffffffffffffffff");
    }

    @Test
    void readsWhatNotepackWrites() {
        assertThat(MsgPack.decode(HEX.parseHex(BROADCAST))).isEqualTo(broadcastTree());
        // a Date is a timestamp extension; it reads as the text Date.toJSON gives
        assertThat(MsgPack.decode(HEX.parseHex("d7ff1d5353006b111a0b")).textValue())
                .isEqualTo("2026-12-03T07:28:11.123Z");
        // an undefined property is left out
        assertThat(MsgPack.decode(HEX.parseHex("81a16201"))).isEqualTo(json("{\"b\":1}"));
        // float32, uint64 beyond a long, nil, fixext 1 (notepack's legacy undefined)
        assertThat(MsgPack.decode(HEX.parseHex("ca3fc00000")).doubleValue()).isEqualTo(1.5);
        assertThat(MsgPack.decode(HEX.parseHex("cfffffffffffffffff")).bigIntegerValue())
                .hasToString("18446744073709551615");
        assertThat(MsgPack.decode(HEX.parseHex("92c0d40000"))).isEqualTo(json("[null,null]"));
    }

    @Test
    void readsNotepack2sOwnExtensions() throws Exception {
        // what socket.io-msgpack-parser's notepack.io 2.2.0 writes for an ArrayBuffer (ext 8, type 0), a Date
        // (fixext 8, type 0: milliseconds) and undefined (fixext 1, type 0): bytes, Date.toJSON's text, left out
        assertThat(MsgPack.decode(HEX.parseHex("c70300040506")).binaryValue()).isEqualTo(new byte[] {4, 5, 6});
        assertThat(MsgPack.decode(HEX.parseHex("c8000200ffff")).binaryValue()).isEqualTo(new byte[] {-1, -1});
        assertThat(MsgPack.decode(HEX.parseHex("c9000000010007")).binaryValue()).isEqualTo(new byte[] {7});
        assertThat(MsgPack.decode(HEX.parseHex("d7000000019ae38a6c73")).textValue())
                .isEqualTo("2025-12-03T09:28:11.123Z");
        assertThat(MsgPack.decode(HEX.parseHex("82a161d40000a16201"))).isEqualTo(json("{\"b\":1}"));
        assertThat(MsgPack.decode(HEX.parseHex("d40000"))).isEqualTo(NODES.nullNode());
        // other extensions carry nothing JSON can hold
        assertThat(MsgPack.decode(HEX.parseHex("c7020501ff")).isNull()).isTrue();
    }

    @Test
    void theDepthLimitIsTheCallers() {
        byte[] deep = HEX.parseHex("91".repeat(200) + "c0");
        assertThat(MsgPack.decode(deep, 200).size()).isEqualTo(1);
        assertThatThrownBy(() -> MsgPack.decode(deep, 199))
                .isInstanceOf(MsgPackException.class)
                .hasMessageContaining("nested deeper than 199");
        JsonNode tree = MsgPack.decode(deep, 200);
        assertThat(MsgPack.encode(tree, 200)).isEqualTo(deep);
        assertThatThrownBy(() -> MsgPack.encode(tree)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void roundTripsAnyTree() throws Exception {
        JsonNode tree = json("{\"s\":\"" + "z".repeat(70000) + "\",\"n\":[0,-0.5,1e300,9007199254740993],"
                + "\"o\":{\"k\":{\"k\":{\"k\":[]}}},\"e\":{},\"u\":\"\\u2603 \\ud83d\\ude00\"}");
        assertThat(MsgPack.decode(MsgPack.encode(tree))).isEqualTo(tree);
        ObjectNode big = NODES.objectNode();
        for (int i = 0; i < 70000; i++) {
            big.put("k" + i, i);
        }
        assertThat(MsgPack.decode(MsgPack.encode(big))).isEqualTo(big);
        byte[] blob = new byte[100_000];
        new Random(7).nextBytes(blob);
        assertThat(MsgPack.decode(MsgPack.encode(NODES.binaryNode(blob))).binaryValue())
                .isEqualTo(blob);
    }

    @Test
    void refusesWhatIsNotOneValueWithinItsBytes() {
        // a declared length far beyond the message: refused before anything is allocated
        assertMalformed("dd7fffffff", "needs 2147483647 bytes");
        assertMalformed("df7fffffff", "needs 4294967294 bytes");
        assertMalformed("c67fffffff00", "needs 2147483647 bytes");
        assertMalformed("dbffffffff", "over 2 GiB");
        assertMalformed("c1", "is not a value");
        assertMalformed("a3616263ff", "bytes after");
        assertMalformed("", "remain");
        assertMalformed("d6ff00", "remain");
        assertMalformed("c7 03 ff 000000".replace(" ", ""), "timestamp of 3 bytes");
        // nesting beyond the limit: a stack overflow would take the Redis thread down
        assertMalformed("91".repeat(MsgPack.MAX_DEPTH + 2) + "c0", "nested deeper");
    }

    @Test
    void randomBytesNeverThrowAnythingElse() {
        Random random = new Random(42);
        for (int i = 0; i < 100_000; i++) {
            byte[] b = new byte[random.nextInt(24)];
            random.nextBytes(b);
            try {
                MsgPack.decode(b);
            } catch (MsgPackException expected) {
                // the only way it may fail
            }
        }
    }

    private static void assertMalformed(String hex, String why) {
        assertThatThrownBy(() -> MsgPack.decode(HEX.parseHex(hex)))
                .isInstanceOf(MsgPackException.class)
                .hasMessageContaining(why);
    }

    private static ArrayNode array(long... values) {
        ArrayNode a = NODES.arrayNode();
        for (long v : values) {
            a.add(v);
        }
        return a;
    }

    private static String hex(JsonNode node) {
        return HEX.formatHex(MsgPack.encode(node));
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
