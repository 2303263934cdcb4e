package io.courier.engine.codec;

import static io.courier.engine.codec.Packets.view;
import static io.courier.engine.codec.Packets.views;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class EngineIoPacketRoundTripTest {

    private static final List<String> DATA =
            List.of("", "probe", "hello world", "{\"sid\":\"abc\"}", "caf\u00e9 \u20ac \ud83d\ude00", "1\n2\t3");

    static Stream<Arguments> everyTypeWithData() {
        return Arrays.stream(EngineIoPacketType.values())
                .flatMap(type -> DATA.stream().map(data -> Arguments.of(type, data)));
    }

    @ParameterizedTest
    @MethodSource("everyTypeWithData")
    void roundTripsEveryTypeThroughATextFrame(EngineIoPacketType type, String data) {
        EngineIoPacket packet = EngineIoPacket.text(type, data);

        String frame = new String(packet.textFrameBytes(), StandardCharsets.UTF_8);
        EngineIoPacket decoded = EngineIoPacketDecoder.decodeText(frame);

        assertThat(frame).isEqualTo(type.digit() + data);
        assertThat(view(decoded)).isEqualTo(view(packet));
    }

    @ParameterizedTest
    @MethodSource("everyTypeWithData")
    void roundTripsEveryTypeThroughAPollingRecord(EngineIoPacketType type, String data) {
        EngineIoPacket packet = EngineIoPacket.text(type, data);

        List<EngineIoPacket> decoded = EngineIoPacketDecoder.decodePayload(Packets.encode(List.of(packet)));

        assertThat(views(decoded)).containsExactly(view(packet));
    }

    @ParameterizedTest
    @EnumSource(EngineIoPacketType.class)
    void roundTripsAPayloadHoldingEveryTypeAtOnce(EngineIoPacketType first) {
        List<EngineIoPacket> packets = new ArrayList<>();
        packets.add(EngineIoPacket.text(first, "first"));
        for (EngineIoPacketType type : EngineIoPacketType.values()) {
            packets.add(EngineIoPacket.text(type, type.name().toLowerCase()));
        }
        packets.add(EngineIoPacket.binary(Packets.bytes(0, 0x1e, 0xff)));

        assertThat(views(EngineIoPacketDecoder.decodePayload(Packets.encode(packets))))
                .containsExactlyElementsOf(views(packets));
    }

    @Test
    void roundTripsBinaryOfEveryLengthUpToSixteen() {
        for (int length = 0; length <= 16; length++) {
            byte[] data = new byte[length];
            Arrays.fill(data, (byte) 0x1e); // the separator byte is fine inside base64-encoded binary
            EngineIoPacket packet = EngineIoPacket.binary(data);

            List<EngineIoPacket> decoded = EngineIoPacketDecoder.decodePayload(Packets.encode(List.of(packet)));

            assertThat(decoded).singleElement().satisfies(p -> {
                assertThat(p.isBinary()).isTrue();
                assertThat(p.binary()).isEqualTo(data);
            });
        }
    }

    @Test
    void roundTripsRandomPayloads() {
        Random random = new Random(0x5eed_c0deL);
        for (int round = 0; round < 500; round++) {
            List<EngineIoPacket> packets = randomPackets(random);

            byte[] body = Packets.encode(packets);
            List<EngineIoPacket> decoded = EngineIoPacketDecoder.decodePayload(body);

            assertThat(views(decoded)).as("round %d", round).containsExactlyElementsOf(views(packets));
        }
    }

    @Test
    void roundTripsRandomTextPacketsThroughTextFrames() {
        Random random = new Random(42);
        for (int round = 0; round < 500; round++) {
            EngineIoPacket packet = EngineIoPacket.text(randomType(random), randomText(random));

            EngineIoPacket decoded =
                    EngineIoPacketDecoder.decodeText(new String(packet.textFrameBytes(), StandardCharsets.UTF_8));

            assertThat(view(decoded)).isEqualTo(view(packet));
        }
    }

    static List<EngineIoPacket> randomPackets(Random random) {
        int count = 1 + random.nextInt(8);
        List<EngineIoPacket> packets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (random.nextInt(3) == 0) {
                byte[] data = new byte[random.nextInt(300)];
                random.nextBytes(data);
                packets.add(EngineIoPacket.binary(data));
            } else {
                packets.add(EngineIoPacket.text(randomType(random), randomText(random)));
            }
        }
        return packets;
    }

    private static EngineIoPacketType randomType(Random random) {
        EngineIoPacketType[] types = EngineIoPacketType.values();
        return types[random.nextInt(types.length)];
    }

    /** Random text from ASCII, Latin-1, BMP and supplementary planes; never the separator, never a lone surrogate. */
    static String randomText(Random random) {
        int length = random.nextInt(40);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int cp =
                    switch (random.nextInt(4)) {
                        case 0 -> random.nextInt(0x80);
                        case 1 -> 0x80 + random.nextInt(0x780);
                        case 2 -> 0x800 + random.nextInt(0xd800 - 0x800);
                        default -> 0x10000 + random.nextInt(0x10ffff - 0x10000);
                    };
            if (cp == 0x1e) {
                cp = ' ';
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
