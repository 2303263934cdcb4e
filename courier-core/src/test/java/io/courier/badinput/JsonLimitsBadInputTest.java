package io.courier.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.DisconnectReason;
import io.courier.testing.ClientFrames;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JSON and digit-run bombs (B22, B28) on a server with the default maxHttpBufferSize of 1,000,000
 * bytes, so that inputs up to that size reach the Socket.IO parser: they must be refused as parse errors (no
 * StackOverflowError, no runaway parse), and larger ones are refused by the WebSocket layer with 1009.
 */
class JsonLimitsBadInputTest {
    @RegisterExtension
    static final TestServer server = TestServer.with(c -> c.maxHttpBufferSize(1_000_000));

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "100,000 open brackets",
                "100,000 nested arrays",
                "50,000 nested objects",
                "1,001-digit number",
                "999,000-digit attachment count",
                "999,000-digit ack id"
            })
    void aBombWithinMaxHttpBufferSizeIsAParseError(String shape) throws Exception {
        String packet =
                switch (shape) {
                    case "100,000 open brackets" -> "42[\"e\"," + "[".repeat(100_000);
                    case "100,000 nested arrays" -> "42[\"e\"," + "[".repeat(100_000) + "]".repeat(100_000) + "]";
                    case "50,000 nested objects" ->
                        "42[\"e\"," + "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000) + "]";
                    case "1,001-digit number" -> "42[\"e\"," + "7".repeat(1001) + "]";
                    case "999,000-digit attachment count" -> "45" + "1".repeat(999_000) + "-[\"e\"]";
                    case "999,000-digit ack id" -> "42" + "1".repeat(999_000) + "[\"e\"]";
                    default -> throw new IllegalArgumentException(shape);
                };
        assertThat(packet.length()).isLessThan(1_000_000);
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            String socketId = ws.connect("/");
            ws.send(packet);
            ws.awaitClosedByServer();
            server.awaitSessionGone(ws.sid());
            assertThat(server.awaitDisconnect(socketId)).isEqualTo(DisconnectReason.PARSE_ERROR);
        }
        server.assertServesNewClient();
        assertThat(server.unexpectedEvents()).isEmpty();
    }

    @Test
    void aThousandDigitNumberIsAParseError() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            String socketId = ws.connect("/");
            ws.send("42[\"e\"," + "7".repeat(1000) + "]");
            ws.awaitClosedByServer();
            server.awaitSessionGone(ws.sid());
            assertThat(server.awaitDisconnect(socketId)).isEqualTo(DisconnectReason.PARSE_ERROR);
        }
        server.assertServesNewClient();
        assertThat(server.unexpectedEvents()).isEmpty();
    }

    @Test
    void aTenMegabyteStringIsClosedWith1009() throws Exception {
        String packet = "42[\"e\",\"" + "s".repeat(10_000_000) + "\"]";
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            ws.connect("/");
            ws.raw()
                    .sendUntilRefused(ClientFrames.masked(
                            RawClient.FIN | RawClient.TEXT, packet.getBytes(StandardCharsets.UTF_8)));
            assertThat(ws.raw().awaitCloseCode()).isEqualTo(1009);
            server.awaitSessionGone(ws.sid());
        }
        server.assertServesNewClient();
        assertThat(server.unexpectedEvents()).isEmpty();
    }

    @Test
    void aDeeplyNestedButValidEventWithinTheDepthLimitIsDelivered() throws Exception {
        // the limit is not a blanket refusal: 500 levels are fine
        String nested = "[".repeat(500) + "]".repeat(500);
        try (EngineWebSocket ws = EngineWebSocket.connected(server.port())) {
            ws.send("421[\"echo\"," + nested + "]");
            assertThat(ws.nextPacket()).isEqualTo("431[" + nested + "]");
            ws.closeCleanly();
        }
    }
}
