package io.courier.protocol;

import static io.courier.protocol.Json.arr;
import static io.courier.protocol.Json.bin;
import static io.courier.protocol.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Parser#MSGPACK} against bytes the official {@code socket.io-msgpack-parser} 3.0.2 (notepack.io 2.2.0) wrote,
 * generated with Node 20 ({@code new Encoder().encode(packet)[0].toString("hex")}) and pasted here as hex.
 */
class MsgPackParserTest {
    private static final HexFormat HEX = HexFormat.of();
    private final PacketEncoder encoder = Parser.MSGPACK.encoder(Json.MAPPER);
    private final PacketDecoder decoder = Parser.MSGPACK.decoder(Json.MAPPER, 10);

    @Test
    void writesWhatTheReferenceServerWrites() {
        // {type:2, data:["news", 1, -1, 300, 2^32, 1.5, "é", true, false, null, Buffer[1,2,3], {a:[1,"x"]}], nsp:"/"}
        assertEncodes(
                SocketIoPacket.event(
                        "/",
                        arr(
                                "news",
                                1,
                                -1,
                                300,
                                4294967296L,
                                1.5,
                                "é",
                                true,
                                false,
                                null,
                                bin(1, 2, 3),
                                obj("a", arr(1, "x")))),
                "83a47479706502a4646174619ca46e65777301ffcd012ccf0000000100000000cb3ff8000000000000a2c3a9c3c2c0c40301020381"
                        + "a1619201a178a36e7370a12f");
        // {type:2, data:["please-ack","x"], id:7, nsp:"/chat"}
        assertEncodes(
                SocketIoPacket.event("/chat", 7, arr("please-ack", "x")),
                "84a47479706502a46461746192aa706c656173652d61636ba178a2696407a36e7370a52f63686174");
        // {type:3, data:[], id:12, nsp:"/"}
        assertEncodes(SocketIoPacket.ack("/", 12, arr()), "84a47479706503a46461746190a269640ca36e7370a12f");
        // {type:0, data:{sid:"abc"}, nsp:"/"}
        assertEncodes(
                SocketIoPacket.connect("/", obj("sid", "abc")),
                "83a47479706500a46461746181a3736964a3616263a36e7370a12f");
        // {type:1, nsp:"/admin"}
        assertEncodes(SocketIoPacket.disconnect("/admin"), "82a47479706501a36e7370a62f61646d696e");
        // {type:4, data:{message:"Invalid namespace"}, nsp:"/random"}
        assertEncodes(
                SocketIoPacket.connectError("/random", obj("message", "Invalid namespace")),
                "83a47479706504a46461746181a76d657373616765b1496e76616c6964206e616d657370616365a36e7370a72f72616e646f6d");
    }

    @Test
    void readsWhatTheOfficialClientSends() {
        // socket.emit("hello", 1, "é", Buffer[1,2,3], Uint8Array[4,5,6].buffer, undefined, {nested:[1.5,-3,null,true]},
        // ack): the client adds options:{compress:true}; the ArrayBuffer is notepack 2's ext type 0, undefined fixext 1
        SocketIoPacket event = decode("85a47479706502a46461746197a568656c6c6f01a2c3a9c403010203c70300040506d4000081a66e"
                + "657374656494cb3ff8000000000000fdc0c3a76f7074696f6e7381a8636f6d7072657373c3a2696403a36e7370a12f");
        assertThat(event)
                .isEqualTo(SocketIoPacket.event(
                        "/",
                        3,
                        arr(
                                "hello",
                                1,
                                "é",
                                bin(1, 2, 3),
                                bin(4, 5, 6),
                                null,
                                obj("nested", arr(1.5, -3, null, true)))));
        // io() without auth: {type:0, data:undefined, nsp:"/"}
        assertThat(decode("83a47479706500a464617461d40000a36e7370a12f")).isEqualTo(SocketIoPacket.connect("/", null));
        // io("/custom", {auth: {token: "abc"}})
        assertThat(decode("83a47479706500a46461746181a5746f6b656ea3616263a36e7370a72f637573746f6d"))
                .isEqualTo(SocketIoPacket.connect("/custom", obj("token", "abc")));
        // a Date argument (notepack 2: fixext 8, type 0, milliseconds) reads as Date.toJSON's text
        assertThat(decode("83a47479706502a46461746192a164d7000000019ae38a6c73a36e7370a12f"))
                .isEqualTo(SocketIoPacket.event("/", arr("d", "2025-12-03T09:28:11.123Z")));
    }

    @Test
    void roundTripsEveryPacketTypeWithoutAttachments() {
        ArrayNode nested = arr("upload", obj("file", bin(0, 255), "parts", arr(bin(1), bin(), "x")));
        List<SocketIoPacket> packets = List.of(
                SocketIoPacket.connect("/", null),
                SocketIoPacket.connect("/admin", obj("token", "123")),
                SocketIoPacket.disconnect("/admin"),
                SocketIoPacket.event("/", arr("foo", 1)),
                SocketIoPacket.event("/", 0, nested),
                SocketIoPacket.event("/x", 9_007_199_254_740_991L, arr(42, "numeric name")),
                SocketIoPacket.ack("/", 5, arr(bin(9, 8, 7), "ok")));
        for (SocketIoPacket p : packets) {
            EncodedSocketIoPacket encoded = encoder.encode(p);
            assertThat(encoded.text()).as("no text message").isNull();
            assertThat(encoded.attachments()).as("one binary message").hasSize(1);
            assertThat(decoder.decodeBinary(encoded.attachments().get(0))).isEqualTo(p);
        }
    }

    @Test
    void refusesGarbageWithTheProtocolError() {
        assertThatThrownBy(() -> decoder.decodeText("2[\"foo\"]"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageContaining("text message");
        assertRefused("c1", "invalid msgpack");
        assertRefused("", "invalid msgpack");
        assertRefused("92a47479706502", "a map"); // an array
        assertRefused("82a47479706502a36e7370a12f00", "bytes after"); // trailing byte
        assertRefused("83a47479706502a464617461", "invalid msgpack"); // cut short
        assertRefused("dd7fffffff", "needs 2147483647 bytes"); // a declared length far beyond the message
        // type: missing, out of range, the text format's binary types, a string, negative, fractional
        assertRefused(packet(null, "\"/\"", "[\"a\"]", null), "invalid packet type");
        assertRefused(packet("5", "\"/\"", "[\"a\"]", null), "invalid packet type");
        assertRefused(packet("6", "\"/\"", "[]", "1"), "invalid packet type");
        assertRefused(packet("\"2\"", "\"/\"", "[\"a\"]", null), "invalid packet type");
        assertRefused(packet("-1", "\"/\"", "[\"a\"]", null), "invalid packet type");
        assertRefused(packet("2.5", "\"/\"", "[\"a\"]", null), "invalid packet type");
        // namespace: missing, not a string, not starting with '/', with a ','
        assertRefused(packet("2", null, "[\"a\"]", null), "invalid namespace");
        assertRefused(packet("2", "7", "[\"a\"]", null), "invalid namespace");
        assertRefused(packet("2", "\"chat\"", "[\"a\"]", null), "invalid namespace");
        assertRefused(packet("2", "\"/a,b\"", "[\"a\"]", null), "invalid namespace");
        // ack id: negative, a string, fractional, beyond 2^53 - 1, on a packet that cannot have one, missing on an ACK
        assertRefused(packet("2", "\"/\"", "[\"a\"]", "-1"), "invalid packet id");
        assertRefused(packet("2", "\"/\"", "[\"a\"]", "\"3\""), "invalid packet id");
        assertRefused(packet("2", "\"/\"", "[\"a\"]", "1.5"), "invalid packet id");
        assertRefused(packet("2", "\"/\"", "[\"a\"]", "9007199254740992"), "invalid packet id");
        assertRefused(packet("0", "\"/\"", "{}", "1"), "unexpected ack id");
        assertRefused(packet("3", "\"/\"", "[]", null), "missing ack id");
        // payload shapes and reserved names, as with the text format
        assertRefused(packet("2", "\"/\"", "{}", null), "invalid payload");
        assertRefused(packet("2", "\"/\"", "[]", null), "non-empty array");
        assertRefused(packet("2", "\"/\"", "[true]", null), "event name");
        assertRefused(packet("2", "\"/\"", null, null), "invalid payload");
        assertRefused(packet("2", "\"/\"", "[\"connect\"]", null), "reserved event name");
        assertRefused(packet("0", "\"/\"", "[]", null), "invalid payload");
        assertRefused(packet("0", "\"/\"", "null", null), "invalid payload");
        assertRefused(packet("1", "\"/\"", "{}", null), "invalid payload");
        assertRefused(packet("3", "\"/\"", "{}", "1"), "invalid payload");
    }

    @Test
    void boundsTheNestingByTheMappersConstraints() {
        ObjectMapper strict = new ObjectMapper();
        strict.getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(20).build());
        PacketDecoder limited = Parser.MSGPACK.decoder(strict, 10);
        // {type:2, nsp:"/", data:["a", [[[...]]]]}: 20 levels of data are fine, 21 are not
        assertThat(limited.decodeBinary(nestedEvent(18))).isNotNull();
        assertThatThrownBy(() -> limited.decodeBinary(nestedEvent(19)))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageContaining("nested deeper");
        // the default limit (1000) is reached without overflowing the stack, and a deeper message is refused
        assertThat(decoder.decodeBinary(nestedEvent(998))).isNotNull();
        assertThatThrownBy(() -> decoder.decodeBinary(nestedEvent(100_000)))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageContaining("nested deeper");
    }

    @Test
    void randomBytesNeverThrowAnythingButTheProtocolError() {
        Random random = new Random(11);
        byte[] valid = HEX.parseHex("84a47479706502a46461746192aa706c656173652d61636ba178a2696407a36e7370a52f63686174");
        for (int i = 0; i < 100_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[random.nextInt(40)];
                random.nextBytes(b);
            } else { // a valid packet with a few bytes changed
                b = valid.clone();
                for (int k = 0; k < 3; k++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
            }
            try {
                decoder.decodeBinary(b);
            } catch (SocketIoProtocolException expected) {
                // the only way it may fail
            }
        }
    }

    @Test
    void namedParsers() {
        assertThat(Parser.named("msgpack")).isSameAs(Parser.MSGPACK);
        assertThat(Parser.named("MsgPack")).isSameAs(Parser.MSGPACK);
        assertThat(Parser.named("default")).isSameAs(Parser.DEFAULT);
        assertThat(Parser.named("json")).isSameAs(Parser.DEFAULT);
        assertThatThrownBy(() -> Parser.named("cbor"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown parser 'cbor' (expected: default or msgpack)");
    }

    /** {type:2, nsp:"/", data:["a", <depth arrays, the innermost empty>]}: the data is nested depth + 2 levels. */
    private static byte[] nestedEvent(int depth) {
        StringBuilder hex = new StringBuilder("83a47479706502a36e7370a12fa46461746192a161");
        hex.append("91".repeat(depth)).append("90");
        return HEX.parseHex(hex);
    }

    /** A map {type, nsp, data, id} written by our own codec from JSON texts, each left out when null. */
    private static byte[] packet(String type, String nsp, String data, String id) {
        com.fasterxml.jackson.databind.node.ObjectNode map = Json.MAPPER.createObjectNode();
        if (type != null) {
            map.set("type", Json.parse(type));
        }
        if (nsp != null) {
            map.set("nsp", Json.parse(nsp));
        }
        if (data != null) {
            map.set("data", Json.parse(data));
        }
        if (id != null) {
            map.set("id", Json.parse(id));
        }
        return io.courier.msgpack.MsgPack.encode(map);
    }

    private void assertRefused(String hex, String why) {
        assertRefused(HEX.parseHex(hex), why);
    }

    private void assertRefused(byte[] message, String why) {
        assertThatThrownBy(() -> decoder.decodeBinary(message))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageContaining(why);
    }

    private SocketIoPacket decode(String hex) {
        return decoder.decodeBinary(HEX.parseHex(hex));
    }

    private void assertEncodes(SocketIoPacket packet, String hex) {
        EncodedSocketIoPacket encoded = encoder.encode(packet);
        assertThat(encoded.text()).isNull();
        assertThat(encoded.attachments()).hasSize(1);
        assertThat(HEX.formatHex(encoded.attachments().get(0))).isEqualTo(hex);
    }
}
