package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client's codecs against the wire examples of the protocol specs (PROTOCOL.md sections 4 and 8). */
class CodecTest {
    private static JsonNode node(Object... args) {
        return SocketIoPacket.toNode(List.of(args));
    }

    @Test
    void encodesTextAndBinaryPacketsAsTheSpecSays() {
        assertThat(SocketIoPacket.encode(SocketIoPacket.CONNECT, "/", -1, null))
                .extracting(EnginePacket::encodeText)
                .containsExactly("40");
        assertThat(SocketIoPacket.encode(SocketIoPacket.DISCONNECT, "/admin", -1, null))
                .extracting(EnginePacket::encodeText)
                .containsExactly("41/admin,");
        assertThat(SocketIoPacket.encode(SocketIoPacket.EVENT, "/admin", 12, node("bar")))
                .extracting(EnginePacket::encodeText)
                .containsExactly("42/admin,12[\"bar\"]");
        List<EnginePacket> binary = SocketIoPacket.encode(
                SocketIoPacket.EVENT, "/", -1, node("baz", Map.of("nested", List.of(new byte[] {1, 2}))));
        assertThat(binary.get(0).encodeText())
                .isEqualTo("451-[\"baz\",{\"nested\":[{\"_placeholder\":true,\"num\":0}]}]");
        assertThat(binary.get(1).binary).containsExactly(1, 2);
        List<EnginePacket> ack = SocketIoPacket.encode(SocketIoPacket.ACK, "/", 7, node(new byte[] {3}));
        assertThat(ack.get(0).encodeText()).isEqualTo("461-7[{\"_placeholder\":true,\"num\":0}]");
    }

    @Test
    void decodesAndReassemblesBinaryPackets() throws Exception {
        SocketIoPacket.Decoder d = new SocketIoPacket.Decoder();
        assertThat(d.add(EnginePacket.message(
                        "62-/admin,7[{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]")))
                .isNull();
        assertThat(d.add(EnginePacket.binary(new byte[] {1}))).isNull();
        SocketIoPacket p = d.add(EnginePacket.binary(new byte[] {2}));
        assertThat(p.type).isEqualTo(SocketIoPacket.BINARY_ACK);
        assertThat(p.nsp).isEqualTo("/admin");
        assertThat(p.id).isEqualTo(7);
        assertThat(p.data.get(0).binaryValue()).containsExactly(2);
        assertThat(p.data.get(1).binaryValue()).containsExactly(1);
        SocketIoPacket c = d.add(EnginePacket.message("0/custom"));
        assertThat(c.type).isEqualTo(SocketIoPacket.CONNECT);
        assertThat(c.nsp).isEqualTo("/custom");
    }

    @Test
    void refusesWhatTheProtocolForbids() {
        for (String bad : List.of("", "7", "2{}", "2abc[\"x\"]", "2[]", "3", "1{}", "5x-[\"a\"]", "4[1]")) {
            assertThatThrownBy(() -> new SocketIoPacket.Decoder().add(EnginePacket.message(bad)))
                    .as(bad)
                    .isInstanceOf(ProtocolException.class);
        }
        SocketIoPacket.Decoder d = new SocketIoPacket.Decoder();
        assertThatThrownBy(() -> d.add(EnginePacket.binary(new byte[] {1}))).isInstanceOf(ProtocolException.class);
        SocketIoPacket.Decoder waiting = new SocketIoPacket.Decoder();
        waiting.add(EnginePacket.message("51-[\"a\",{\"_placeholder\":true,\"num\":0}]"));
        assertThatThrownBy(() -> waiting.add(EnginePacket.message("2[\"b\"]"))).isInstanceOf(ProtocolException.class);
        SocketIoPacket.Decoder outOfRange = new SocketIoPacket.Decoder();
        outOfRange.add(EnginePacket.message("51-[\"a\",{\"_placeholder\":true,\"num\":3}]"));
        assertThatThrownBy(() -> outOfRange.add(EnginePacket.binary(new byte[0])))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void pollingPayloadsJoinRecordsAndCarryBinaryAsBase64() {
        List<EnginePacket> packets = EnginePacket.decodePayload("4hello\u001ebAQIDBA==\u001e2\u001eb");
        assertThat(packets).hasSize(4);
        assertThat(packets.get(0).encodeText()).isEqualTo("4hello");
        assertThat(packets.get(1).binary).containsExactly(1, 2, 3, 4);
        assertThat(packets.get(2).type).isEqualTo(EnginePacket.PING);
        assertThat(packets.get(3).binary).isEmpty();
        assertThat(EnginePacket.encodePayload(packets)).isEqualTo("4hello\u001ebAQIDBA==\u001e2\u001eb");
        assertThatThrownBy(() -> EnginePacket.decodePayload("4a\u001ex")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> EnginePacket.decodePayload("b!!")).isInstanceOf(ProtocolException.class);
    }

    @Test
    void backoffDoublesWithinItsJitterUpToTheCap() {
        Backoff exact = new Backoff(100, 1000, 0);
        assertThat(List.of(
                        exact.nextDelayMillis(),
                        exact.nextDelayMillis(),
                        exact.nextDelayMillis(),
                        exact.nextDelayMillis(),
                        exact.nextDelayMillis()))
                .containsExactly(100L, 200L, 400L, 800L, 1000L);
        exact.reset();
        assertThat(exact.nextDelayMillis()).isEqualTo(100);
        Backoff jittered = new Backoff(1000, 5000, 0.5);
        for (int i = 0; i < 1000; i++) {
            jittered.reset();
            assertThat(jittered.nextDelayMillis()).isBetween(500L, 1500L);
            assertThat(jittered.nextDelayMillis()).isBetween(1000L, 3000L);
            for (int k = 0; k < 40; k++) {
                assertThat(jittered.nextDelayMillis()).isBetween(0L, 5000L);
            }
        }
    }
}
