package io.courier.protocol;

import static io.courier.protocol.Json.arr;
import static io.courier.protocol.Json.bin;
import static io.courier.protocol.Json.bytes;
import static io.courier.protocol.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every packet type, on the wire and as a value: decoding gives the value, encoding gives the exact wire form. */
class SocketIoPacketRoundTripTest {

    private static final String P0 = "{\"_placeholder\":true,\"num\":0}";
    private static final String P1 = "{\"_placeholder\":true,\"num\":1}";
    private static final String P2 = "{\"_placeholder\":true,\"num\":2}";

    static Stream<Arguments> vectors() {
        return Stream.of(
                vector("0", List.of(), SocketIoPacket.connect("/", null)),
                vector("0{\"token\":\"123\"}", List.of(), SocketIoPacket.connect("/", obj("token", "123"))),
                vector("0/admin,{\"sid\":\"abc\"}", List.of(), SocketIoPacket.connect("/admin", obj("sid", "abc"))),
                vector("0/custom,", List.of(), SocketIoPacket.connect("/custom", null)),
                vector("1", List.of(), SocketIoPacket.disconnect("/")),
                vector("1/admin,", List.of(), SocketIoPacket.disconnect("/admin")),
                vector("2[\"foo\",1]", List.of(), SocketIoPacket.event("/", arr("foo", 1))),
                vector("2/admin,12[\"bar\"]", List.of(), SocketIoPacket.event("/admin", 12, arr("bar"))),
                vector("2[42,\"numeric name\"]", List.of(), SocketIoPacket.event("/", arr(42, "numeric name"))),
                vector(
                        "2[\"message\",1,\"2\",{\"3\":[true]}]",
                        List.of(),
                        SocketIoPacket.event("/", arr("message", 1, "2", obj("3", arr(true))))),
                vector(
                        "2[\"unicode\",\"\u00e9\u20ac\",{\"emoji\":\"\ud83d\ude00\"}]",
                        List.of(),
                        SocketIoPacket.event("/", arr("unicode", "\u00e9\u20ac", obj("emoji", "\ud83d\ude00")))),
                vector(
                        "2999999999999999[\"max ack id\"]",
                        List.of(),
                        SocketIoPacket.event("/", 999_999_999_999_999L, arr("max ack id"))),
                vector("312[\"ok\"]", List.of(), SocketIoPacket.ack("/", 12, arr("ok"))),
                vector("3/admin,0[]", List.of(), SocketIoPacket.ack("/admin", 0, arr())),
                vector(
                        "4{\"message\":\"Not authorized\"}",
                        List.of(),
                        SocketIoPacket.connectError("/", obj("message", "Not authorized"))),
                vector(
                        "4/random,{\"message\":\"Invalid namespace\"}",
                        List.of(),
                        SocketIoPacket.connectError("/random", obj("message", "Invalid namespace"))),
                vector(
                        "4/private,{\"message\":\"unauthorized\",\"data\":{\"reason\":\"invalid token\"}}",
                        List.of(),
                        SocketIoPacket.connectError(
                                "/private", obj("message", "unauthorized", "data", obj("reason", "invalid token")))),
                vector("4\"plain refusal\"", List.of(), SocketIoPacket.connectError("/", Json.node("plain refusal"))),
                vector(
                        "51-[\"baz\"," + P0 + "]",
                        List.of(bytes(1, 2, 3)),
                        SocketIoPacket.event("/", arr("baz", bin(1, 2, 3)))),
                vector(
                        "52-789[\"message-with-ack\"," + P0 + "," + P1 + "]",
                        List.of(bytes(1, 2, 3), bytes(4, 5, 6)),
                        SocketIoPacket.event("/", 789, arr("message-with-ack", bin(1, 2, 3), bin(4, 5, 6)))),
                vector(
                        "62-789[" + P0 + "," + P1 + "]",
                        List.of(bytes(1, 2, 3), bytes(4, 5, 6)),
                        SocketIoPacket.ack("/", 789, arr(bin(1, 2, 3), bin(4, 5, 6)))),
                vector(
                        "62-/admin,7[" + P0 + "," + P1 + "]",
                        List.of(bytes(1), bytes(2)),
                        SocketIoPacket.ack("/admin", 7, arr(bin(1), bin(2)))),
                vector("61-0[" + P0 + "]", List.of(bytes()), SocketIoPacket.ack("/", 0, arr(bin()))),
                vector(
                        "53-/admin,5[\"upload\",{\"file\":" + P0 + ",\"meta\":[1," + P1 + "]},[[" + P2 + "]]]",
                        List.of(bytes(10), bytes(11), bytes(12)),
                        SocketIoPacket.event(
                                "/admin",
                                5,
                                arr("upload", obj("file", bin(10), "meta", arr(1, bin(11))), arr(arr(bin(12)))))));
    }

    private static Arguments vector(String wire, List<byte[]> attachments, SocketIoPacket packet) {
        return Arguments.of(wire, attachments, packet);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void decodesTheWireFormIntoThePacket(String wire, List<byte[]> attachments, SocketIoPacket packet) {
        SocketIoPacketDecoder decoder = new SocketIoPacketDecoder(Json.MAPPER, 10);

        SocketIoPacket decoded = decoder.decodeText(wire);
        for (byte[] attachment : attachments) {
            assertThat(decoded).isNull();
            assertThat(decoder.awaitingAttachments()).isTrue();
            decoded = decoder.decodeBinary(attachment);
        }

        assertThat(decoded).isEqualTo(packet);
        assertThat(decoder.awaitingAttachments()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void encodesThePacketIntoTheWireForm(String wire, List<byte[]> attachments, SocketIoPacket packet) {
        EncodedSocketIoPacket encoded = new SocketIoPacketEncoder(Json.MAPPER).encode(packet);

        assertThat(encoded.text()).isEqualTo(wire);
        assertThat(encoded.attachments()).containsExactlyElementsOf(attachments);
        assertThat(encoded.isBinary()).isEqualTo(!attachments.isEmpty());
    }
}
