package io.courier.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Whatever the input, the decoder either returns a valid result or throws SocketIoProtocolException. */
class DecoderRobustnessTest {

    private static final String P0 = "{\"_placeholder\":true,\"num\":0}";
    private static final String P1 = "{\"_placeholder\":true,\"num\":1}";

    private static final List<String> VECTORS = List.of(
            "0",
            "0{\"token\":\"123\"}",
            "0/admin,{\"sid\":\"abc\"}",
            "0/custom",
            "1/admin,",
            "2[\"foo\",1]",
            "2/admin,12[\"bar\"]",
            "2456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]",
            "2[\"message\",1,\"2\",{\"3\":[true]}]",
            "2[42,null,true,false,-1.5e3,\"\\u00e9\\\"\"]",
            "312[\"ok\"]",
            "3/admin,0[]",
            "4{\"message\":\"Not authorized\"}",
            "4/random,{\"message\":\"Invalid namespace\"}",
            "4\"refused\"",
            "51-[\"baz\"," + P0 + "]",
            "52-[\"message\"," + P0 + "," + P1 + "]",
            "52-789[\"message-with-ack\"," + P0 + "," + P1 + "]",
            "62-789[" + P0 + "," + P1 + "]",
            "62-/admin,7[" + P0 + "," + P1 + "]",
            "52-/admin,3[\"e\",{\"a\":[1,{\"b\":" + P1 + "}]},[[" + P0 + "]]]");

    @Test
    void handlesEveryPrefixOfValidPackets() {
        int decoded = 0;
        int rejected = 0;
        for (String vector : VECTORS) {
            for (int length = 0; length <= vector.length(); length++) {
                if (decodeOrReject(vector.substring(0, length))) {
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
    void decodesEveryCompleteVector() {
        for (String vector : VECTORS) {
            assertThat(decodeOrReject(vector)).as(vector).isTrue();
        }
    }

    @Test
    void handlesRandomMutationsOfValidPackets() {
        Random random = new Random(20240601L);
        String alphabet = "0123456789-,/[]{}\":_placeholdernumtruefalse \\x\u00e9";
        for (int round = 0; round < 20_000; round++) {
            StringBuilder text = new StringBuilder(VECTORS.get(random.nextInt(VECTORS.size())));
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits && !text.isEmpty(); e++) {
                int at = random.nextInt(text.length());
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(3)) {
                    case 0 -> text.setCharAt(at, c);
                    case 1 -> text.insert(at, c);
                    default -> text.deleteCharAt(at);
                }
            }
            decodeOrReject(text.toString());
        }
    }

    /** Returns true when decoded (fully or as a pending header), false when rejected; other throwables escape. */
    private static boolean decodeOrReject(String text) {
        SocketIoPacketDecoder decoder = new SocketIoPacketDecoder(Json.MAPPER, 10);
        try {
            SocketIoPacket packet = decoder.decodeText(text);
            if (packet == null) {
                assertThat(decoder.awaitingAttachments()).as(text).isTrue();
                while (decoder.awaitingAttachments()) {
                    packet = decoder.decodeBinary(new byte[] {1});
                }
            }
            assertThat(packet).as(text).isNotNull();
            assertThat(packet.type()).isNotIn(SocketIoPacketType.BINARY_EVENT, SocketIoPacketType.BINARY_ACK);
            return true;
        } catch (SocketIoProtocolException e) {
            assertThat(e.getMessage()).as(text).isNotBlank().hasSizeLessThan(250);
            return false;
        }
    }
}
