package io.courier.engine.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EngineIoPacketTest {

    @Test
    void constantsAreTheControlPacketsOfTheProtocol() {
        assertThat(new String(EngineIoPacket.PING.textFrameBytes(), StandardCharsets.UTF_8))
                .isEqualTo("2");
        assertThat(new String(EngineIoPacket.PONG_PROBE.textFrameBytes(), StandardCharsets.UTF_8))
                .isEqualTo("3probe");
        assertThat(new String(EngineIoPacket.NOOP.textFrameBytes(), StandardCharsets.UTF_8))
                .isEqualTo("6");
        assertThat(new String(EngineIoPacket.CLOSE.textFrameBytes(), StandardCharsets.UTF_8))
                .isEqualTo("1");
    }

    @Test
    void textFrameIsTheTypeDigitFollowedByTheUtf8Data() {
        EngineIoPacket packet = EngineIoPacket.message("h\u00e9\u20ac\ud83d\ude00");

        assertThat(packet.textFrameBytes()).isEqualTo("4h\u00e9\u20ac\ud83d\ude00".getBytes(StandardCharsets.UTF_8));
        assertThat(packet.type()).isEqualTo(EngineIoPacketType.MESSAGE);
        assertThat(packet.isBinary()).isFalse();
        assertThat(packet.binary()).isNull();
    }

    @Test
    void binaryMessageHasNoTextFrame() {
        EngineIoPacket packet = EngineIoPacket.binary(Packets.bytes(1, 2, 3));

        assertThat(packet.isBinary()).isTrue();
        assertThat(packet.type()).isEqualTo(EngineIoPacketType.MESSAGE);
        assertThat(packet.text()).isNull();
        assertThatThrownBy(packet::textFrameBytes)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("binary packet has no text frame");
    }

    @Test
    void pollingRecordOfABinaryMessageIsBPlusPaddedBase64() {
        assertThat(EngineIoPacket.binary(Packets.bytes(1, 2, 3, 4)).pollingRecord())
                .isEqualTo("bAQIDBA==");
        assertThat(EngineIoPacket.binary(new byte[0]).pollingRecord()).isEqualTo("b");
    }

    @Test
    void pollingRecordOfATextPacketIsItsDigitAndText() {
        assertThat(EngineIoPacket.text(EngineIoPacketType.PING, "probe").pollingRecord())
                .isEqualTo("2probe");
        assertThat(EngineIoPacket.message("").pollingRecord()).isEqualTo("4");
    }

    @Test
    void refusesNullArguments() {
        assertThatThrownBy(() -> EngineIoPacket.message(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> EngineIoPacket.text(null, "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> EngineIoPacket.binary(null)).isInstanceOf(NullPointerException.class);
    }
}
