package io.courier.protocol;

import static io.courier.protocol.Json.arr;
import static io.courier.protocol.Json.bin;
import static io.courier.protocol.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SocketIoPacketEncoderTest {

    private final SocketIoPacketEncoder encoder = new SocketIoPacketEncoder(Json.MAPPER);

    @Test
    void numbersNestedBinaryDepthFirstInArraysAndObjectValues() {
        ArrayNode data =
                arr("e", bin(0), obj("a", arr(bin(1), obj("b", bin(2))), "c", bin(3)), arr(arr(arr(bin(4)))), bin(5));

        EncodedSocketIoPacket encoded = encoder.encode(SocketIoPacket.event("/", data));

        assertThat(encoded.text())
                .isEqualTo("56-[\"e\",{\"_placeholder\":true,\"num\":0},"
                        + "{\"a\":[{\"_placeholder\":true,\"num\":1},{\"b\":{\"_placeholder\":true,\"num\":2}}],"
                        + "\"c\":{\"_placeholder\":true,\"num\":3}},"
                        + "[[[{\"_placeholder\":true,\"num\":4}]]],"
                        + "{\"_placeholder\":true,\"num\":5}]");
        assertThat(encoded.attachments())
                .containsExactly(
                        new byte[] {0}, new byte[] {1}, new byte[] {2}, new byte[] {3}, new byte[] {4}, new byte[] {5});
    }

    @Test
    void writesTheBinaryEventExampleOfTheSpec() {
        EncodedSocketIoPacket encoded = encoder.encode(SocketIoPacket.event("/admin", 7, arr(bin(1), bin(2))));

        assertThat(encoded.text())
                .isEqualTo("52-/admin,7[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
    }

    @Test
    void doesNotMutateTheGivenTree() {
        ObjectNode inner = obj("file", bin(1, 2), "name", "a.txt");
        ArrayNode data = arr("upload", inner, arr(bin(3)), obj("plain", arr(1, 2)));
        JsonNode before = data.deepCopy();

        encoder.encode(SocketIoPacket.event("/", data));

        assertThat(data).isEqualTo(before);
        assertThat(inner.get("file")).isInstanceOf(BinaryNode.class);
        assertThat(((ArrayNode) data.get(2)).get(0)).isInstanceOf(BinaryNode.class);
    }

    @Test
    void returnsTheAttachmentArraysOfTheBinaryNodesWithoutCopying() {
        BinaryNode binary = bin(9, 8, 7);

        EncodedSocketIoPacket encoded = encoder.encode(SocketIoPacket.ack("/", 3, arr(binary)));

        assertThat(encoded.attachments().get(0)).isSameAs(binary.binaryValue());
    }

    @Test
    void usesTheTextTypesWhenThereIsNoBinary() {
        assertThat(encoder.encode(SocketIoPacket.event("/", arr("a", obj("k", arr(1)))))
                        .text())
                .isEqualTo("2[\"a\",{\"k\":[1]}]");
        assertThat(encoder.encode(SocketIoPacket.ack("/", 4, arr())).text()).isEqualTo("34[]");
        assertThat(encoder.encode(SocketIoPacket.event("/", arr("a"))).isBinary())
                .isFalse();
    }

    @Test
    void usesTheBinaryTypesOnlyWhenThereIsBinary() {
        assertThat(encoder.encode(SocketIoPacket.event("/", arr("a", bin(1)))).text())
                .startsWith("51-");
        assertThat(encoder.encode(SocketIoPacket.ack("/", 4, arr(obj("x", bin(1)))))
                        .text())
                .startsWith("61-4");
    }

    @Test
    void writesAPlaceholderLookalikeInATextPacketAsPlainData() {
        EncodedSocketIoPacket encoded = encoder.encode(SocketIoPacket.event("/", arr("e", Json.placeholder(0))));

        assertThat(encoded.text()).isEqualTo("2[\"e\",{\"_placeholder\":true,\"num\":0}]");
        assertThat(encoded.isBinary()).isFalse();
    }

    @Test
    void serializesATreeWithoutBinaryAsIs() {
        ArrayNode data = arr("same", obj("a", 1));

        assertThat(BinaryExtractor.extract(data, Json.MAPPER.getNodeFactory()).data())
                .isSameAs(data);
    }

    @Test
    void copiesOnlyTheContainersOnThePathToABinaryNode() {
        ObjectNode untouched = obj("a", arr(1, 2));
        ArrayNode changed = arr(bin(1));
        ArrayNode data = arr("e", untouched, changed);

        JsonNode result =
                BinaryExtractor.extract(data, Json.MAPPER.getNodeFactory()).data();

        assertThat(result).isNotSameAs(data);
        assertThat(result.get(1)).isSameAs(untouched);
        assertThat(result.get(2)).isNotSameAs(changed);
    }

    @Test
    void rejectsBinaryInAPacketOtherThanEventOrAck() {
        assertThatThrownBy(() -> encoder.encode(SocketIoPacket.connect("/", obj("avatar", bin(1)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("binary data is only allowed in EVENT and ACK, not CONNECT");
    }

    @Test
    void neverWritesTheMainNamespaceButAlwaysWritesTheCommaAfterAnother() {
        assertThat(encoder.encode(SocketIoPacket.connect("/", null)).text()).isEqualTo("0");
        assertThat(encoder.encode(SocketIoPacket.connect("/custom", null)).text())
                .isEqualTo("0/custom,");
        assertThat(encoder.encode(SocketIoPacket.event("/custom", arr("a"))).text())
                .isEqualTo("2/custom,[\"a\"]");
    }

    @Test
    void ignoresIndentationConfiguredOnTheMapper() {
        ObjectMapper indenting = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

        String text = new SocketIoPacketEncoder(indenting)
                .encode(SocketIoPacket.event("/", arr("a", obj("b", 1))))
                .text();

        assertThat(text).isEqualTo("2[\"a\",{\"b\":1}]");
    }

    @Test
    void encodesABinaryNodeNestedNineHundredLevelsDeep() {
        ArrayNode deepest = arr(bin(42));
        ArrayNode outer = deepest;
        for (int i = 0; i < 899; i++) {
            outer = arr(outer);
        }

        EncodedSocketIoPacket encoded = encoder.encode(SocketIoPacket.event("/", arr("deep", outer)));

        assertThat(encoded.text())
                .isEqualTo("51-[\"deep\"," + "[".repeat(900) + "{\"_placeholder\":true,\"num\":0}" + "]".repeat(900)
                        + "]");
        assertThat(encoded.attachments()).containsExactly(new byte[] {42});
    }

    @Test
    void returnsAnImmutableAttachmentList() {
        List<byte[]> source = new ArrayList<>(List.of(new byte[] {1}));
        EncodedSocketIoPacket encoded = new EncodedSocketIoPacket("51-[\"a\",{}]", source);
        source.clear();

        assertThat(encoded.attachments()).hasSize(1);
        assertThatThrownBy(() -> encoded.attachments().add(new byte[0]))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    /** The bytes written straight from the tree are exactly the text path's, with the Engine.IO message digit. */
    @Test
    void aTextMessageIsWrittenStraightToTheSameBytes() {
        ArrayNode deep = arr("deep", arr(arr(arr(arr(obj("k", "v"))))));
        List<SocketIoPacket> packets = List.of(
                SocketIoPacket.event("/", arr("echo", obj("t", 1700000000123L, "s", 42, "p", ""))),
                SocketIoPacket.event("/admin", 7, arr("a", 1.5, true, null)),
                SocketIoPacket.ack("/", 0, arr()),
                SocketIoPacket.ack("/chat", 1234567890123L, arr("héllo", "\u2028", obj("q", "\"quoted\"\n"))),
                SocketIoPacket.event("/", deep),
                SocketIoPacket.connect("/", obj("sid", "abc")),
                SocketIoPacket.connect("/", null),
                SocketIoPacket.disconnect("/x"),
                SocketIoPacket.connectError("/", obj("message", "nope")),
                // past the generator's 8,000-byte buffer: it writes in several parts
                SocketIoPacket.ack("/", 5, arr("x".repeat(20_000))),
                SocketIoPacket.event("/big", 99, arr("e", "é".repeat(9_000), obj("k", "y".repeat(30_000)))));
        for (SocketIoPacket p : packets) {
            assertThat(encoder.encodeTextMessage(p))
                    .as(p.toString())
                    .isEqualTo(utf8("4" + encoder.encode(p).text()));
        }
    }

    /** Outside the BMP, and a lone surrogate: JSON escapes, which any parser reads as the same string. */
    @Test
    void surrogatesAreWrittenAsEscapes() throws Exception {
        SocketIoPacket p = SocketIoPacket.event("/", 3, arr("e", "a😀b", "c\ud800d"));
        String text = new String(encoder.encodeTextMessage(p), StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("423[\"e\",\"a\\uD83D\\uDE00b\",\"c\\uD800d\"]");
        assertThat(Json.MAPPER.readTree(text.substring(3))).isEqualTo(p.data());
    }

    @Test
    void packetsWithBinaryTakeTheTextPath() {
        assertThat(encoder.encodeTextMessage(SocketIoPacket.event("/", arr("up", obj("f", bin(1))))))
                .isNull();
        assertThat(encoder.encodeTextMessage(SocketIoPacket.event("/", arr("deep", arr(arr(arr(arr(bin(2)))))))))
                .isNull();
    }

    /** The message buffer: the prefix first, then every write in order, at its exact length. */
    @Test
    void prefixedBytesKeepThePrefixAndEveryWrite() {
        SocketIoPacketEncoder.PrefixedBytes out = new SocketIoPacketEncoder.PrefixedBytes(utf8("431"));
        assertThat(out.bytes()).isEqualTo(utf8("431"));
        out.write(utf8("[\"ab"), 0, 4);
        out.write('c');
        byte[] big = utf8("d".repeat(10_000));
        out.write(big, 0, big.length);
        out.write(utf8("--e\"]"), 2, 3);
        assertThat(out.bytes()).isEqualTo(utf8("431[\"abc" + "d".repeat(10_000) + "e\"]"));
        assertThatThrownBy(() -> out.write(big, 9_000, 2_000)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
