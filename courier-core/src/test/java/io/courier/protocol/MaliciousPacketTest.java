package io.courier.protocol;

import static io.courier.protocol.Json.arr;
import static io.courier.protocol.Json.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BinaryNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile Socket.IO inputs (B18-B24, B28). */
class MaliciousPacketTest {

    private final SocketIoPacketDecoder decoder = new SocketIoPacketDecoder(Json.MAPPER, 10);

    private void assertRejected(String text, String message) {
        assertThatThrownBy(() -> decoder.decodeText(text))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage(message);
        assertThat(decoder.awaitingAttachments()).isFalse();
    }

    // B18: CVE-2022-2421, placeholder index that is not a valid attachment index

    @ParameterizedTest(name = "num = {0}")
    @ValueSource(strings = {"\"splice\"", "1", "-1", "1.5", "\"0\"", "0.0", "true", "null", "{}", "[0]", "99999999999"})
    void rejectsPlaceholderIndexOutOfRangeOrNotAnInteger(String num) {
        assertRejected(
                "51-[\"hello\",{\"_placeholder\":true,\"num\":" + num + "}]",
                "illegal attachments (placeholder num must be an integer in [0, 1))");

        assertThatThrownBy(() -> decoder.decodeBinary(bytes(1)))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("unexpected binary attachment (no binary packet is pending)");
    }

    @Test
    void rejectsAPlaceholderInAPacketThatAnnouncesNoAttachments() {
        assertRejected(
                "50-[\"hello\",{\"_placeholder\":true,\"num\":0}]",
                "illegal attachments (placeholder num must be an integer in [0, 0))");
    }

    // B19: attachments out of sequence

    @Test
    void rejectsABinaryAttachmentWithNoPendingHeader() {
        assertThatThrownBy(() -> decoder.decodeBinary(bytes(1, 2, 3)))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("unexpected binary attachment (no binary packet is pending)");
    }

    @Test
    void rejectsABinaryAttachmentAfterTheLastExpectedOne() {
        decoder.decodeText("51-[\"e\",{\"_placeholder\":true,\"num\":0}]");
        assertThat(decoder.decodeBinary(bytes(1))).isNotNull();

        assertThatThrownBy(() -> decoder.decodeBinary(bytes(2)))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("unexpected binary attachment (no binary packet is pending)");
    }

    @Test
    void rejectsATextPacketWhileAttachmentsArePending() {
        decoder.decodeText("52-[\"e\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");

        assertRejected("2[\"x\"]", "expected 2 attachment(s), got a text packet");
    }

    // B20: CVE-2023-32695, event name that is not a string or a number

    @ParameterizedTest
    @ValueSource(strings = {"2[{\"toString\":\"foo\"}]", "2[true,\"foo\"]", "2[null,\"bar\"]", "2[[\"a\"]]"})
    void rejectsAnEventNameThatIsNotAStringOrANumber(String text) {
        assertRejected(text, "invalid payload for EVENT (event name must be a string or a number)");
    }

    @Test
    void rejectsAnEventWithoutName() {
        assertRejected("2[]", "invalid payload for EVENT (expected a non-empty array)");
    }

    // B21: CVE-2024-38355 and the reserved names of socket.io-parser

    @ParameterizedTest
    @ValueSource(strings = {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"})
    void rejectsAReservedEventName(String name) {
        assertRejected("2[\"" + name + "\",\"x\"]", "reserved event name '" + name + "'");
        assertRejected("2/admin,5[\"" + name + "\"]", "reserved event name '" + name + "'");
        assertRejected("51-[\"" + name + "\",{\"_placeholder\":true,\"num\":0}]", "reserved event name '" + name + "'");
    }

    @Test
    void decodesAnErrorEventAsAnOrdinaryApplicationEvent() {
        // "error" is not reserved by socket.io-parser 4.2.x (a client may emit it); the layer that dispatches
        // events must route it to application handlers only, never to internal lifecycle handling (B21).
        assertThat(decoder.decodeText("2[\"error\"]")).isEqualTo(SocketIoPacket.event("/", arr("error")));
    }

    // B22: CVE-2020-36049, absurdly long digit runs parsed in linear time

    @Test
    void rejectsTenMillionDigitAttachmentCountWithoutReadingIt() {
        String text = "5" + "1".repeat(10_000_000) + "-[\"x\"]";

        long start = System.nanoTime();
        assertRejected(text, "too many attachments (more than 18 digits at position 1)");
        assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
    }

    @Test
    void rejectsAHundredThousandDigitAckId() {
        String text = "2" + "9".repeat(100_000) + "[\"x\"]";

        long start = System.nanoTime();
        assertRejected(text, "invalid ack id (more than 15 digits at position 1)");
        assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
    }

    @Test
    void rejectsAnAckIdOfSixteenDigitsAndAcceptsFifteen() {
        assertRejected("2/admin,1234567890123456[\"x\"]", "invalid ack id (more than 15 digits at position 8)");
        assertThat(decoder.decodeText("2/admin,123456789012345[\"x\"]").ackId()).isEqualTo(123_456_789_012_345L);
    }

    // B23: CVE-2026-33151, too many attachments

    @Test
    void rejectsMoreAttachmentsThanTheMaximum() {
        assertRejected("511-[\"x\"]", "too many attachments (11 > 10)");
        assertRejected("59999999999-[\"x\"]", "too many attachments (9999999999 > 10)");
        assertRejected("612-1[]", "too many attachments (12 > 10)");
    }

    // B24: socket.io-parser invalid-payload tests

    @Test
    void rejectsTruncatedJson() {
        assertThatThrownBy(() -> decoder.decodeText("442[\"some\",\"data\""))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("invalid json (at position 17): Unexpected end-of-input: expected close marker for Array");
        assertThatThrownBy(() -> decoder.decodeText("42[\"some\",\"data\""))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageStartingWith("invalid json (at position 16): Unexpected end-of-input");
        assertThatThrownBy(() -> decoder.decodeText("2/admin,\"invalid"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageStartingWith("invalid json (at position 16): Unexpected end-of-input");
    }

    @Test
    void rejectsTheInvalidPayloadsOfTheReferenceParserTests() {
        assertRejected("0/admin,\"invalid\"", "invalid payload for CONNECT (expected an object or nothing)");
        assertRejected("0[]", "invalid payload for CONNECT (expected an object or nothing)");
        assertRejected("1/admin,{}", "invalid payload for DISCONNECT (expected nothing)");
        assertRejected("2/admin,{}", "invalid payload for EVENT (expected an array)");
        assertRejected("999", "unknown packet type '9'");
    }

    @Test
    void decodesAConnectErrorSoThatTheSessionLayerCanRefuseItFromAClient() {
        // The decoder accepts every well-formed type; refusing CONNECT_ERROR from a client is session policy.
        assertThat(decoder.decodeText("4{\"message\":\"x\"}").type()).isEqualTo(SocketIoPacketType.CONNECT_ERROR);
    }

    // B28: Jackson limits become protocol errors, never StackOverflowError

    @Test
    void rejectsAHundredThousandOpeningBracketsWithoutOverflowingTheStack() {
        String text = "2[\"e\"," + "[".repeat(100_000);

        assertThatThrownBy(() -> decoder.decodeText(text))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageContaining("invalid json")
                .hasMessageContaining("nesting depth");
    }

    @Test
    void rejectsAHundredThousandOpeningBracketsInABinaryPacket() {
        String text = "51-[\"e\"," + "[".repeat(100_000);

        assertThatThrownBy(() -> decoder.decodeText(text))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageContaining("nesting depth");
    }

    @Test
    void rejectsAStringLongerThanTheMapperAllows() {
        SocketIoPacketDecoder limited = new SocketIoPacketDecoder(
                mapper(StreamReadConstraints.builder()
                        .maxStringLength(1_000_000)
                        .build()),
                10);
        String text = "2[\"e\",\"" + "a".repeat(10_000_000) + "\"]";

        assertThatThrownBy(() -> limited.decodeText(text))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageContaining("invalid json")
                .hasMessageContaining("String value length")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(250));
    }

    @Test
    void rejectsANumberLongerThanTheMapperAllows() {
        SocketIoPacketDecoder limited = new SocketIoPacketDecoder(
                mapper(StreamReadConstraints.builder().maxNumberLength(100).build()), 10);

        assertThatThrownBy(() -> limited.decodeText("2[\"e\"," + "1".repeat(1_000) + "]"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageContaining("Number value length");
    }

    @Test
    void rejectsANumberLongerThanJacksonsDefaultLimit() {
        assertThatThrownBy(() -> decoder.decodeText("2[\"e\"," + "1".repeat(1_001) + "]"))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageContaining("Number value length");
    }

    @Test
    void reassemblesAPlaceholderFiftyThousandLevelsDeepWhenTheMapperAllowsIt() {
        // With the depth limit raised, the decoder's own walks must still not recurse.
        SocketIoPacketDecoder deep = new SocketIoPacketDecoder(
                mapper(StreamReadConstraints.builder().maxNestingDepth(100_000).build()), 10);
        int depth = 50_000;
        deep.decodeText(
                "51-[\"e\"," + "[".repeat(depth) + "{\"_placeholder\":true,\"num\":0}" + "]".repeat(depth) + "]");

        JsonNode node = deep.decodeBinary(bytes(3)).data().get(1);
        for (int i = 0; i < depth; i++) {
            node = node.get(0);
        }
        assertThat(node).isInstanceOf(BinaryNode.class);
    }

    private static ObjectMapper mapper(StreamReadConstraints constraints) {
        return new ObjectMapper(
                JsonFactory.builder().streamReadConstraints(constraints).build());
    }
}
