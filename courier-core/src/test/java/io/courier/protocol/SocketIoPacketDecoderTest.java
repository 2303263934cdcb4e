package io.courier.protocol;

import static io.courier.protocol.Json.arr;
import static io.courier.protocol.Json.bin;
import static io.courier.protocol.Json.bytes;
import static io.courier.protocol.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SocketIoPacketDecoderTest {

    private static final String P0 = "{\"_placeholder\":true,\"num\":0}";
    private static final String P1 = "{\"_placeholder\":true,\"num\":1}";

    private final SocketIoPacketDecoder decoder = new SocketIoPacketDecoder(Json.MAPPER, 10);

    // --- inputs of the official Socket.IO test suite ---

    @Test
    void acceptsANamespaceWithoutTrailingComma() {
        assertThat(decoder.decodeText("0/custom")).isEqualTo(SocketIoPacket.connect("/custom", null));
        assertThat(decoder.decodeText("0/random")).isEqualTo(SocketIoPacket.connect("/random", null));
        assertThat(decoder.decodeText("1/custom")).isEqualTo(SocketIoPacket.disconnect("/custom"));
    }

    @Test
    void acceptsTheSuiteConnectAndDisconnectPackets() {
        assertThat(decoder.decodeText("0")).isEqualTo(SocketIoPacket.connect("/", null));
        assertThat(decoder.decodeText("0{\"token\":\"123\"}"))
                .isEqualTo(SocketIoPacket.connect("/", obj("token", "123")));
        assertThat(decoder.decodeText("0/custom,{\"token\":\"abc\"}"))
                .isEqualTo(SocketIoPacket.connect("/custom", obj("token", "abc")));
        assertThat(decoder.decodeText("1")).isEqualTo(SocketIoPacket.disconnect("/"));
        assertThat(decoder.decodeText("1/custom,")).isEqualTo(SocketIoPacket.disconnect("/custom"));
    }

    @Test
    void acceptsTheSuiteEventWithAck() {
        assertThat(decoder.decodeText("2456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]"))
                .isEqualTo(SocketIoPacket.event("/", 456, arr("message-with-ack", 1, "2", obj("3", arr(false)))));
    }

    @Test
    void decodesAnAckWithoutArgumentsToAFreshEmptyArray() {
        SocketIoPacket first = decoder.decodeText("3/admin,17[]");
        assertThat(first).isEqualTo(SocketIoPacket.ack("/admin", 17, arr()));
        assertThat(first.data()).isEqualTo(Json.MAPPER.createArrayNode());
        ((com.fasterxml.jackson.databind.node.ArrayNode) first.data()).add(1); // a receiver may change its own copy
        assertThat(decoder.decodeText("318[]").data()).isEmpty();
        assertThat(decoder.decodeText("318[ ]")).isEqualTo(SocketIoPacket.ack("/", 18, arr()));
        assertThatThrownBy(() -> decoder.decodeText("2[]"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageContaining("EVENT");
    }

    @Test
    void reassemblesTheSuiteBinaryEventFromItsHeaderAndTwoAttachments() {
        assertThat(decoder.decodeText("52-[\"message\"," + P0 + "," + P1 + "]")).isNull();
        assertThat(decoder.awaitingAttachments()).isTrue();
        assertThat(decoder.decodeBinary(bytes(1, 2, 3))).isNull();
        assertThat(decoder.awaitingAttachments()).isTrue();

        SocketIoPacket packet = decoder.decodeBinary(bytes(4, 5, 6));

        assertThat(packet).isEqualTo(SocketIoPacket.event("/", arr("message", bin(1, 2, 3), bin(4, 5, 6))));
        assertThat(packet.type()).isEqualTo(SocketIoPacketType.EVENT);
        assertThat(decoder.awaitingAttachments()).isFalse();
    }

    @Test
    void reassemblesTheSuiteBinaryEventWithAckAndTheBinaryAck() {
        decoder.decodeText("52-789[\"message-with-ack\"," + P0 + "," + P1 + "]");
        decoder.decodeBinary(bytes(1, 2, 3));
        assertThat(decoder.decodeBinary(bytes(4, 5, 6)))
                .isEqualTo(SocketIoPacket.event("/", 789, arr("message-with-ack", bin(1, 2, 3), bin(4, 5, 6))));

        decoder.decodeText("62-789[" + P0 + "," + P1 + "]");
        decoder.decodeBinary(bytes(1, 2, 3));
        SocketIoPacket ack = decoder.decodeBinary(bytes(4, 5, 6));
        assertThat(ack).isEqualTo(SocketIoPacket.ack("/", 789, arr(bin(1, 2, 3), bin(4, 5, 6))));
        assertThat(ack.type()).isEqualTo(SocketIoPacketType.ACK);
    }

    @Test
    void rejectsTheSuiteInvalidPackets() {
        assertThatThrownBy(() -> decoder.decodeText("abc"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("unknown packet type 'a'");
        assertThatThrownBy(() -> decoder.decodeText("2{}"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("invalid payload for EVENT (expected an array)");
        assertThatThrownBy(() -> decoder.decodeText("2abc[\"message-with-ack\",1,\"2\",{\"3\":[false]}]"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageStartingWith("invalid json (at position 4): Unrecognized token 'abc'");
    }

    // --- binary reassembly ---

    @Test
    void completesABinaryPacketWithZeroAttachmentsImmediately() {
        assertThat(decoder.decodeText("50-[\"nothing\"]")).isEqualTo(SocketIoPacket.event("/", arr("nothing")));
        assertThat(decoder.awaitingAttachments()).isFalse();
    }

    @Test
    void replacesPlaceholdersNestedInArraysAndObjects() {
        decoder.decodeText("52-/admin,3[\"e\",{\"a\":[1,{\"b\":" + P1 + "}]},[[" + P0 + "]]]");
        decoder.decodeBinary(bytes(0));

        SocketIoPacket packet = decoder.decodeBinary(bytes(1));

        assertThat(packet)
                .isEqualTo(SocketIoPacket.event(
                        "/admin", 3, arr("e", obj("a", arr(1, obj("b", bin(1)))), arr(arr(bin(0))))));
    }

    @Test
    void letsTwoPlaceholdersNameTheSameAttachmentAndKeepsTheArrayUncopied() {
        byte[] attachment = bytes(7);
        decoder.decodeText("61-1[" + P0 + "," + P0 + "]");

        JsonNode data = decoder.decodeBinary(attachment).data();

        assertThat(((BinaryNode) data.get(0)).binaryValue()).isSameAs(attachment);
        assertThat(((BinaryNode) data.get(1)).binaryValue()).isSameAs(attachment);
    }

    @Test
    void recognisesPlaceholdersOnlyInBinaryPackets() {
        SocketIoPacket packet = decoder.decodeText("2[\"e\"," + P0 + "]");

        assertThat(packet).isEqualTo(SocketIoPacket.event("/", arr("e", Json.placeholder(0))));
    }

    @Test
    void treatsAnObjectWhosePlaceholderFlagIsNotTrueAsData() {
        decoder.decodeText("51-[\"e\",{\"_placeholder\":false,\"num\":\"x\"},{\"_placeholder\":\"true\"}," + P0 + "]");

        assertThat(decoder.decodeBinary(bytes(1)).data())
                .isEqualTo(arr("e", obj("_placeholder", false, "num", "x"), obj("_placeholder", "true"), bin(1)));
    }

    @Test
    void validatesPlaceholdersWhenTheHeaderArrives() {
        assertThatThrownBy(() -> decoder.decodeText("52-[\"e\"," + P0 + ",{\"_placeholder\":true,\"num\":2}]"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("illegal attachments (placeholder num must be an integer in [0, 2))");
        assertThat(decoder.awaitingAttachments()).isFalse();
    }

    @Test
    void startsAfreshAfterReset() {
        decoder.decodeText("52-[\"e\"," + P0 + "," + P1 + "]");
        decoder.decodeBinary(bytes(1));

        decoder.reset();

        assertThat(decoder.awaitingAttachments()).isFalse();
        assertThat(decoder.decodeText("2[\"next\"]")).isEqualTo(SocketIoPacket.event("/", arr("next")));
    }

    @Test
    void startsAfreshAfterATextPacketInterruptedTheAttachments() {
        decoder.decodeText("51-[\"e\"," + P0 + "]");
        assertThatThrownBy(() -> decoder.decodeText("2[\"x\"]")).isInstanceOf(SocketIoProtocolException.class);

        assertThat(decoder.awaitingAttachments()).isFalse();
        assertThat(decoder.decodeText("2[\"x\"]")).isEqualTo(SocketIoPacket.event("/", arr("x")));
    }

    @Test
    void acceptsExactlyTheConfiguredMaximumOfAttachments() {
        SocketIoPacketDecoder strict = new SocketIoPacketDecoder(Json.MAPPER, 2);
        assertThat(strict.decodeText("52-[\"e\"," + P0 + "," + P1 + "]")).isNull();
        assertThatThrownBy(() -> new SocketIoPacketDecoder(Json.MAPPER, 2).decodeText("53-[\"e\"]"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("too many attachments (3 > 2)");
    }

    @Test
    void rejectsANegativeMaximumOfAttachments() {
        assertThatThrownBy(() -> new SocketIoPacketDecoder(Json.MAPPER, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --- header and payload rules ---

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "`` | empty packet",
                "7 | unknown packet type '7'",
                "` 2[\"x\"]` | unknown packet type ' '",
                "5[\"x\"] | invalid attachment count (expected a digit at position 1)",
                "5-[\"x\"] | invalid attachment count (expected a digit at position 1)",
                "51[\"x\"] | invalid attachment count (expected '-' at position 2)",
                "51 | invalid attachment count (expected '-' at position 2)",
                "2/admin, | invalid payload for EVENT (expected an array)",
                "2 | invalid payload for EVENT (expected an array)",
                "212 | invalid payload for EVENT (expected an array)",
                "2/admin[\"x\"] | invalid payload for EVENT (expected an array)",
                "3[\"x\"] | missing ack id for ACK",
                "3/admin,[] | missing ack id for ACK",
                "35{} | invalid payload for ACK (expected an array)",
                "35 | invalid payload for ACK (expected an array)",
                "61-[{\"_placeholder\":true,\"num\":0}] | missing ack id for BINARY_ACK",
                "61-1{} | invalid payload for BINARY_ACK (expected an array)",
                "01{} | unexpected ack id for CONNECT",
                "12 | unexpected ack id for DISCONNECT",
                "43{\"message\":\"x\"} | unexpected ack id for CONNECT_ERROR",
                "0null | invalid payload for CONNECT (expected an object or nothing)",
                "4 | invalid payload for CONNECT_ERROR (expected an object or a string)",
                "4[] | invalid payload for CONNECT_ERROR (expected an object or a string)",
                "4/admin,42 | unexpected ack id for CONNECT_ERROR",
                "51-[\"e\",{\"_placeholder\":true,\"num\":0,\"extra\":1}] "
                        + "| illegal attachments (a placeholder must have exactly the members _placeholder and num)",
                "51-[\"e\",{\"_placeholder\":true}] "
                        + "| illegal attachments (a placeholder must have exactly the members _placeholder and num)",
                "51-[\"e\",{\"_placeholder\":true,\"nom\":0}] "
                        + "| illegal attachments (placeholder num must be an integer in [0, 1))",
                "52-/admin,7[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}] "
                        + "| invalid payload for BINARY_EVENT (event name must be a string or a number)",
            })
    void rejectsWithAPreciseMessage(String text, String message) {
        assertThatThrownBy(() -> decoder.decodeText(text))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage(message);
    }

    @Test
    void rejectsTrailingContentAfterThePayload() {
        assertThatThrownBy(() -> decoder.decodeText("2[\"x\"]garbage"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageStartingWith("invalid json (at position 13): Unrecognized token 'garbage'");
        assertThatThrownBy(() -> decoder.decodeText("2/admin,[\"x\"] []"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageStartingWith("invalid json (at position 14): ");
    }

    @Test
    void rejectsAWhitespaceOnlyPayload() {
        assertThatThrownBy(() -> decoder.decodeText("2   "))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("invalid json (at position 1): no value");
    }

    @Test
    void acceptsWhitespaceAroundThePayload() {
        assertThat(decoder.decodeText("2 [\"x\"] ")).isEqualTo(SocketIoPacket.event("/", arr("x")));
    }

    @Test
    void acceptsTheMainNamespaceWrittenExplicitly() {
        assertThat(decoder.decodeText("2/,[\"x\"]")).isEqualTo(SocketIoPacket.event("/", arr("x")));
    }

    @Test
    void readsAnAckIdWithLeadingZeros() {
        assertThat(decoder.decodeText("2007[\"x\"]").ackId()).isEqualTo(7);
    }

    @Test
    void reportsTheRemainingAttachmentCountWhenATextPacketInterrupts() {
        decoder.decodeText("53-[\"e\"," + P0 + "]");
        decoder.decodeBinary(bytes(1));

        assertThatThrownBy(() -> decoder.decodeText("2[\"x\"]"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("expected 2 attachment(s), got a text packet");
    }

    // --- deep nesting within Jackson's default limit ---

    @Test
    void decodesAnEventNestedNineHundredLevelsDeep() {
        SocketIoPacket packet = decoder.decodeText("2[\"deep\"," + "[".repeat(900) + "]".repeat(900) + "]");

        JsonNode node = packet.data().get(1);
        int depth = 0;
        while (node.isArray() && !node.isEmpty()) {
            node = node.get(0);
            depth++;
        }
        assertThat(depth).isEqualTo(899);
    }

    @Test
    void reassemblesAPlaceholderNestedNineHundredLevelsDeep() {
        decoder.decodeText("51-[\"deep\"," + "[".repeat(900) + P0 + "]".repeat(900) + "]");

        JsonNode node = decoder.decodeBinary(bytes(5)).data().get(1);
        int depth = 0;
        while (node.isArray()) {
            node = node.get(0);
            depth++;
        }
        assertThat(depth).isEqualTo(900);
        assertThat(node).isEqualTo(bin(5));
    }

    @Test
    void anEmptyAckToTheMainNamespaceIsRecognisedWithoutAPacketAndNothingElseIs() {
        assertThat(decoder.emptyMainAckId("37[]")).isEqualTo(7);
        assertThat(decoder.emptyMainAckId("3123456789012345[]")).isEqualTo(123_456_789_012_345L);
        for (String other : new String[] {
            "3[]", // no ack id: decodeText refuses it
            "31234567890123456[]", // 16 digits: decodeText refuses it
            "37[1]", // arguments
            "37[ ]",
            "3/chat,7[]", // another namespace
            "27[]", // an EVENT
            "37a[]",
            "37",
            ""
        }) {
            assertThat(decoder.emptyMainAckId(other)).as(other).isEqualTo(-1);
        }
        // every id it gives is the one decodeText reads
        SocketIoPacket packet = decoder.decodeText("3042[]");
        assertThat(decoder.emptyMainAckId("3042[]")).isEqualTo(packet.ackId()).isEqualTo(42);
        // while a binary packet waits for its attachments, a text message is an error that decodeText reports
        assertThat(decoder.decodeText("51-[\"a\",{\"_placeholder\":true,\"num\":0}]"))
                .isNull();
        assertThat(decoder.emptyMainAckId("37[]")).isEqualTo(-1);
    }

    @Test
    void aCumulativeAckToTheMainNamespaceIsRecognisedAsWrittenByJsonStringifyAndNothingElseIs() {
        String args = "[{\"cumulative\":true}]";
        assertThat(decoder.cumulativeMainAckId("37" + args)).isEqualTo(7);
        assertThat(decoder.cumulativeMainAckId("3123456789012345" + args)).isEqualTo(123_456_789_012_345L);
        for (String other : new String[] {
            "3" + args, // no ack id
            "31234567890123456" + args, // 16 digits
            "37[{\"cumulative\":false}]",
            "37[{ \"cumulative\": true }]", // decodeText reads it, with its parser
            "37[{\"cumulative\":true},1]",
            "37[]",
            "3/chat,7" + args,
            "27" + args,
            "37a" + args,
            "cumulative\":true}]",
            ""
        }) {
            assertThat(decoder.cumulativeMainAckId(other)).as(other).isEqualTo(-1);
        }
        SocketIoPacket packet = decoder.decodeText("3042" + args);
        assertThat(decoder.cumulativeMainAckId("3042" + args))
                .isEqualTo(packet.ackId())
                .isEqualTo(42);
        assertThat(packet.data().get(0).get("cumulative").booleanValue()).isTrue();
        assertThat(decoder.decodeText("51-[\"a\",{\"_placeholder\":true,\"num\":0}]"))
                .isNull();
        assertThat(decoder.cumulativeMainAckId("37" + args)).isEqualTo(-1);
    }
}
