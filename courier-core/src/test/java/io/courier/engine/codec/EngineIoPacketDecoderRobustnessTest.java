package io.courier.engine.codec;

import static io.courier.engine.codec.Packets.RS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Whatever the input, the decoder returns packets or throws EngineIoProtocolException, nothing else. */
class EngineIoPacketDecoderRobustnessTest {

    private static final List<String> VALID_PAYLOADS = List.of(
            "4hello" + RS + "2" + RS + "4world",
            "4hello" + RS + "bAQIDBA==",
            "b",
            "b" + RS + "bAQ==" + RS + "bAQI=" + RS + "bAQID",
            "0{\"sid\":\"Qm3xV0cT8bZr1YpLAAAB\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000}",
            "2probe" + RS + "3probe" + RS + "5" + RS + "6" + RS + "1",
            "4caf\u00e9 \u20ac" + RS + "4\ud83d\ude00\ud83c\udf89" + RS + "4\u65e5\u672c",
            "451-[\"upload\",{\"_placeholder\":true,\"num\":0}]" + RS + "b//4=");

    @Test
    void decodesOrRejectsEveryPrefixOfValidPayloads() {
        int decoded = 0;
        int rejected = 0;
        for (String payload : VALID_PAYLOADS) {
            byte[] body = payload.getBytes(StandardCharsets.UTF_8);
            for (int length = 0; length <= body.length; length++) {
                if (decodeOrReject(Arrays.copyOf(body, length))) {
                    decoded++;
                } else {
                    rejected++;
                }
            }
        }
        assertThat(decoded).isPositive();
        assertThat(rejected).isPositive();
    }

    @Test
    void decodesOrRejectsEverySuffixOfValidPayloads() {
        for (String payload : VALID_PAYLOADS) {
            byte[] body = payload.getBytes(StandardCharsets.UTF_8);
            for (int from = 0; from <= body.length; from++) {
                decodeOrReject(Arrays.copyOfRange(body, from, body.length));
            }
        }
    }

    @Test
    void decodesEveryCompleteValidPayload() {
        for (String payload : VALID_PAYLOADS) {
            assertThat(decodeOrReject(payload.getBytes(StandardCharsets.UTF_8)))
                    .as(payload)
                    .isTrue();
        }
    }

    @Test
    void decodesOrRejectsRandomBytes() {
        Random random = new Random(7);
        byte[] alphabet = "0123456789b\u001eAQIDBA=+/abc".getBytes(StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 5000; round++) {
            byte[] body = new byte[random.nextInt(24)];
            for (int i = 0; i < body.length; i++) {
                body[i] = random.nextBoolean() ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt();
            }
            decodeOrReject(body);
        }
    }

    @Test
    void decodesOrRejectsEveryTextFramePrefix() {
        for (String payload : VALID_PAYLOADS) {
            for (int length = 0; length <= payload.length(); length++) {
                String frame = payload.substring(0, length);
                try {
                    EngineIoPacketDecoder.decodeText(frame);
                } catch (EngineIoProtocolException expected) {
                    // the only failure allowed
                }
            }
        }
    }

    /** True if decoded, false if rejected with EngineIoProtocolException; any other throwable fails the test. */
    private static boolean decodeOrReject(byte[] body) {
        try {
            List<EngineIoPacket> packets = EngineIoPacketDecoder.decodePayload(body);
            assertThat(packets).isNotEmpty().doesNotContainNull();
            return true;
        } catch (EngineIoProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
            return false;
        }
    }
}
