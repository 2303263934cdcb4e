package io.courier.engine.codec;

import static io.courier.engine.codec.Packets.RS;
import static io.courier.engine.codec.Packets.decode;
import static io.courier.engine.codec.Packets.views;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EngineIoPacketDecoderTest {

    /** Polling payloads and the packets they hold. */
    static Stream<Arguments> payloads() {
        return Stream.of(
                Arguments.of("4hello" + RS + "2" + RS + "4world", List.of("MESSAGE|hello", "PING|", "MESSAGE|world")),
                Arguments.of("4hello" + RS + "bAQIDBA==", List.of("MESSAGE|hello", "binary|01020304")),
                Arguments.of("b", List.of("binary|")),
                Arguments.of("bAQIDBA==", List.of("binary|01020304")),
                Arguments.of("4", List.of("MESSAGE|")),
                Arguments.of("3", List.of("PONG|")),
                Arguments.of("1", List.of("CLOSE|")),
                Arguments.of("2probe", List.of("PING|probe")),
                Arguments.of("5", List.of("UPGRADE|")),
                Arguments.of("6", List.of("NOOP|")),
                Arguments.of("0{\"sid\":\"x\"}", List.of("OPEN|{\"sid\":\"x\"}")),
                Arguments.of("b" + RS + "b" + RS + "4", List.of("binary|", "binary|", "MESSAGE|")),
                Arguments.of(
                        "42[\"chat\",\"h\u00e9llo\"]" + RS + "b//4=" + RS + "3",
                        List.of("MESSAGE|2[\"chat\",\"h\u00e9llo\"]", "binary|fffe", "PONG|")),
                // the separator is the only framing: other control characters are data
                Arguments.of("4a\u0000b\nc\u001fd", List.of("MESSAGE|a\u0000b\nc\u001fd")),
                Arguments.of("4bAQIDBA==", List.of("MESSAGE|bAQIDBA==")),
                // the official Java client breaks its base64 into lines; the reference ignores ASCII whitespace
                Arguments.of("bAQID\nBA==", List.of("binary|01020304")),
                Arguments.of("bAQID\r\nBA==\r\n" + RS + "4x", List.of("binary|01020304", "MESSAGE|x")),
                Arguments.of("b AQ\tID BA==", List.of("binary|01020304")));
    }

    @ParameterizedTest
    @MethodSource("payloads")
    void decodesThePacketsOfAPayload(String payload, List<String> expected) {
        assertThat(views(decode(payload))).containsExactlyElementsOf(expected);
    }

    @Test
    void decodesMultiByteUtf8TextInEveryRecord() {
        String a = "caf\u00e9 \u20ac \u65e5\u672c\u8a9e";
        String b = "\ud83d\ude00\ud83c\udf89";
        String c = "\u0416\u0436 \u00df";

        List<EngineIoPacket> packets = decode("4" + a + RS + "4" + b + RS + "2" + c);

        assertThat(views(packets)).containsExactly("MESSAGE|" + a, "MESSAGE|" + b, "PING|" + c);
    }

    @Test
    void decodesTheBytesOfABinaryRecord() {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        String payload = "b" + java.util.Base64.getEncoder().encodeToString(all);

        List<EngineIoPacket> packets = decode(payload);

        assertThat(packets).singleElement().satisfies(p -> assertThat(p.binary())
                .isEqualTo(all));
    }

    /** Malformed payloads and the exact message (it names the record, never the data). */
    static Stream<Arguments> malformedPayloads() {
        return Stream.of(
                Arguments.of("", "empty packet at record 0"),
                Arguments.of("4a" + RS + RS + "4b", "empty packet at record 1"),
                Arguments.of(RS + "4a", "empty packet at record 0"),
                Arguments.of("4a" + RS, "empty packet at record 1"),
                Arguments.of(RS, "empty packet at record 0"),
                Arguments.of("9", "invalid packet type '9' at record 0"),
                Arguments.of("7", "invalid packet type '7' at record 0"),
                Arguments.of("a", "invalid packet type 'a' at record 0"),
                Arguments.of("abc", "invalid packet type 'a' at record 0"),
                Arguments.of("4ok" + RS + "9x", "invalid packet type '9' at record 1"),
                Arguments.of("4ok" + RS + "2" + RS + "/", "invalid packet type '/' at record 2"),
                Arguments.of("\u0000", "invalid packet type '\\u0000' at record 0"),
                Arguments.of("\u0001hello", "invalid packet type '\\u0001' at record 0"),
                Arguments.of("\n4a", "invalid packet type '\\u000a' at record 0"),
                Arguments.of("\t", "invalid packet type '\\u0009' at record 0"),
                Arguments.of("\u007f", "invalid packet type '\\u007f' at record 0"),
                Arguments.of("b!!!!", "invalid base64 at record 0"),
                Arguments.of("bAQIDB", "invalid base64 at record 0"),
                Arguments.of("bAQ=DBA==", "invalid base64 at record 0"),
                Arguments.of("bA-_D", "invalid base64 at record 0"),
                Arguments.of("4ok" + RS + "b\u00e9", "invalid base64 at record 1"),
                Arguments.of("bAQID.BA==", "invalid base64 at record 0"),
                Arguments.of("bAQID\u000bBA==", "invalid base64 at record 0"));
    }

    @ParameterizedTest
    @MethodSource("malformedPayloads")
    void rejectsAMalformedPayloadNamingTheRecord(String payload, String message) {
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> EngineIoPacketDecoder.decodePayload(body))
                .isExactlyInstanceOf(EngineIoProtocolException.class)
                .hasMessage(message);
    }

    @Test
    void reportsTheFirstByteOfANonAsciiTypeCharacter() {
        // U+00E9 is C3 A9 in UTF-8: the record starts with byte C3
        assertThatThrownBy(() -> decode("\u00e9t\u00e9"))
                .isExactlyInstanceOf(EngineIoProtocolException.class)
                .hasMessage("invalid packet type '\\u00c3' at record 0");
    }

    static Stream<Arguments> textFrames() {
        return Stream.of(
                Arguments.of("4hello", "MESSAGE|hello"),
                Arguments.of("4", "MESSAGE|"),
                Arguments.of("2probe", "PING|probe"),
                Arguments.of("3probe", "PONG|probe"),
                Arguments.of("3", "PONG|"),
                Arguments.of("5", "UPGRADE|"),
                Arguments.of("1", "CLOSE|"),
                Arguments.of("6", "NOOP|"),
                Arguments.of("4h\u00e9\u20ac\ud83d\ude00", "MESSAGE|h\u00e9\u20ac\ud83d\ude00"),
                // over WebSocket the separator has no meaning: it is data
                Arguments.of("4a" + RS + "4b", "MESSAGE|a" + RS + "4b"));
    }

    @ParameterizedTest
    @MethodSource("textFrames")
    void decodesAWebSocketTextFrame(String frame, String expected) {
        assertThat(Packets.view(EngineIoPacketDecoder.decodeText(frame))).isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("textFrames")
    void decodesAWebSocketTextFrameGivenAsItsFirstByteAndTheRest(String frame, String expected) {
        assertThat(Packets.view(EngineIoPacketDecoder.decodeText((byte) frame.charAt(0), frame.substring(1))))
                .isEqualTo(expected);
    }

    @Test
    void rejectsAnUnknownTypeGivenAsTheFirstByte() {
        assertThatThrownBy(() -> EngineIoPacketDecoder.decodeText((byte) '9', "x"))
                .isExactlyInstanceOf(EngineIoProtocolException.class)
                .hasMessage("invalid packet type '9'");
    }

    static Stream<Arguments> malformedTextFrames() {
        return Stream.of(
                Arguments.of("", "empty packet"),
                Arguments.of("9", "invalid packet type '9'"),
                Arguments.of("abc", "invalid packet type 'a'"),
                // binary travels in binary frames over WebSocket, never as b + base64
                Arguments.of("bAQIDBA==", "invalid packet type 'b'"),
                Arguments.of("\u0002", "invalid packet type '\\u0002'"),
                Arguments.of(RS + "4a", "invalid packet type '\\u001e'"),
                Arguments.of("\u00e9", "invalid packet type '\\u00e9'"));
    }

    @ParameterizedTest
    @MethodSource("malformedTextFrames")
    void rejectsAMalformedTextFrame(String frame, String message) {
        assertThatThrownBy(() -> EngineIoPacketDecoder.decodeText(frame))
                .isExactlyInstanceOf(EngineIoProtocolException.class)
                .hasMessage(message);
    }
}
