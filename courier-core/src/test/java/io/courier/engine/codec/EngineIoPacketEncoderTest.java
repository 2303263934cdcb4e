package io.courier.engine.codec;

import static io.courier.engine.codec.Packets.RS;
import static io.courier.engine.codec.Packets.bytes;
import static io.courier.engine.codec.Packets.encodeToString;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EngineIoPacketEncoderTest {

    /** Packets and the reference polling payload for them. */
    static Stream<Arguments> referencePayloads() {
        String open = "{\"sid\":\"Qm3xV0cT8bZr1YpLAAAB\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,"
                + "\"pingTimeout\":20000,\"maxPayload\":1000000}";
        return Stream.of(
                Arguments.of(
                        List.of(EngineIoPacket.message("hello"), EngineIoPacket.PING, EngineIoPacket.message("world")),
                        "4hello" + RS + "2" + RS + "4world"),
                Arguments.of(List.of(EngineIoPacket.binary(bytes(1, 2, 3, 4))), "bAQIDBA=="),
                Arguments.of(List.of(EngineIoPacket.binary(new byte[0])), "b"),
                Arguments.of(
                        List.of(EngineIoPacket.message("hello"), EngineIoPacket.binary(bytes(1, 2, 3, 4))),
                        "4hello" + RS + "bAQIDBA=="),
                Arguments.of(List.of(EngineIoPacket.text(EngineIoPacketType.OPEN, open)), "0" + open),
                Arguments.of(List.of(EngineIoPacket.NOOP), "6"),
                Arguments.of(List.of(EngineIoPacket.CLOSE), "1"),
                Arguments.of(List.of(EngineIoPacket.message("a"), EngineIoPacket.CLOSE), "4a" + RS + "1"),
                Arguments.of(List.of(EngineIoPacket.message("")), "4"),
                Arguments.of(
                        List.of(
                                EngineIoPacket.message("51-[\"upload\",{\"_placeholder\":true,\"num\":0}]"),
                                EngineIoPacket.binary(bytes(0xff, 0xfe))),
                        "451-[\"upload\",{\"_placeholder\":true,\"num\":0}]" + RS + "b//4="),
                Arguments.of(
                        List.of(EngineIoPacket.message("\u00e9\u20ac"), EngineIoPacket.message("\ud83d\ude00")),
                        "4\u00e9\u20ac" + RS + "4\ud83d\ude00"));
    }

    @ParameterizedTest
    @MethodSource("referencePayloads")
    void writesTheReferencePayload(List<EngineIoPacket> packets, String expected) {
        assertThat(encodeToString(packets)).isEqualTo(expected);
    }

    @Test
    void writesTextAsUtf8() {
        byte[] body = Packets.encode(List.of(EngineIoPacket.message("\u00e9")));

        assertThat(body).containsExactly('4', 0xc3, 0xa9);
    }

    @Test
    void writesAnEmptyPayloadForNoPackets() {
        assertThat(Packets.encode(List.of())).isEmpty();
    }

    @Test
    void returnsABufferOwnedByTheCaller() {
        ByteBuf buf = EngineIoPacketEncoder.encodePayload(
                List.of(EngineIoPacket.message("hi"), EngineIoPacket.binary(bytes(1))), ByteBufAllocator.DEFAULT);
        try {
            assertThat(buf.refCnt()).isEqualTo(1);
            assertThat(buf.toString(StandardCharsets.UTF_8)).isEqualTo("4hi" + RS + "bAQ==");
        } finally {
            assertThat(buf.release()).isTrue();
        }
    }

    @Test
    void usesTheGivenAllocator() {
        ByteBuf buf = EngineIoPacketEncoder.encodePayload(
                List.of(EngineIoPacket.message("x".repeat(5000))), UnpooledByteBufAllocator.DEFAULT);
        try {
            assertThat(buf.alloc()).isSameAs(UnpooledByteBufAllocator.DEFAULT);
            assertThat(buf.readableBytes()).isEqualTo(5001);
        } finally {
            buf.release();
        }
    }

    @Test
    void encodingTheSamePacketTwiceGivesTheSameBytes() {
        EngineIoPacket shared = EngineIoPacket.binary(bytes(9, 8, 7));

        assertThat(encodeToString(List.of(shared))).isEqualTo(encodeToString(List.of(shared)));
        assertThat(encodeToString(List.of(shared, shared))).isEqualTo("bCQgH" + RS + "bCQgH");
    }
}
