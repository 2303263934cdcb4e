package io.courier.badinput;

import static io.courier.badinput.RawClient.BINARY;
import static io.courier.badinput.RawClient.CLOSE;
import static io.courier.badinput.RawClient.CONTINUATION;
import static io.courier.badinput.RawClient.FIN;
import static io.courier.badinput.RawClient.PING;
import static io.courier.badinput.RawClient.RSV1;
import static io.courier.badinput.RawClient.RSV2;
import static io.courier.badinput.RawClient.RSV3;
import static io.courier.badinput.RawClient.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.courier.testing.ClientFrames;
import io.courier.testing.LogCapture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed WebSocket frames and Engine.IO packets after a successful upgrade (B2, B7, B14, B16,
 * B17), on WebSocket-only sessions of a server whose maxHttpBufferSize is 1000 bytes. Each case checks the close code
 * the server sends, that the session is gone, and that a new client is still served.
 */
class WebSocketFrameBadInputTest {
    @RegisterExtension
    static final TestServer server = TestServer.standard();

    private static final int PROTOCOL_ERROR = 1002;
    private static final int INVALID_PAYLOAD = 1007;
    private static final int MESSAGE_TOO_BIG = 1009;
    private static final String FRAME_HANDLER = "io.courier.netty.WebSocketFrameHandler";

    // ---- B2: garbage instead of frames ------------------------------------------------------------------------

    @Test
    void garbageBytesAfterTheUpgradeAreAProtocolError() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            ws.raw().send("test"); // 0x74: FIN clear, RSV1-3 set, reserved opcode 4
            assertThat(ws.raw().awaitCloseCode()).isIn(PROTOCOL_ERROR, RawClient.NO_CLOSE_FRAME);
            server.awaitSessionGone(ws.sid());
        }
        server.assertServesNewClient();
    }

    @Test
    void garbageBytesOnAnUpgradeProbeCloseTheProbeAndThePollingSessionGoesOn() throws Exception {
        PollingClient polling = server.polling();
        String sid = polling.handshake();
        try (RawClient probe = RawClient.webSocket(server.port(), EngineWebSocket.PATH + "&sid=" + sid)) {
            probe.send("test");
            assertThat(probe.awaitCloseCode()).isIn(PROTOCOL_ERROR, RawClient.NO_CLOSE_FRAME);
        }
        polling.connect(sid);
        polling.assertEchoRoundTrip(sid);
        polling.closeSession(sid);
        server.assertServesNewClient();
    }

    // ---- B7 / B17: messages over maxHttpBufferSize ------------------------------------------------------------

    @ParameterizedTest(name = "opcode {0}")
    @ValueSource(ints = {TEXT, BINARY})
    void aFrameOneByteOverMaxHttpBufferSizeIsClosedWith1009(int opcode) throws Exception {
        assertClosedWith(MESSAGE_TOO_BIG, ClientFrames.masked(FIN | opcode, ("4" + "x".repeat(1000)).getBytes()));
    }

    @Test
    void aMessageOfExactlyMaxHttpBufferSizeIsAccepted() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.connected(server.port())) {
            String prefix = "42[\"echo\",\"";
            String packet = prefix + "y".repeat(1000 - prefix.length() - 2) + "\"]";
            assertThat(packet.getBytes(StandardCharsets.UTF_8)).hasSize(1000);
            ws.send(packet);
            assertThat(ws.nextPacket()).isEqualTo(packet);
            ws.closeCleanly();
        }
    }

    @Test
    void a200MegabyteFrameIsClosedWith1009FromItsHeaderAlone() throws Exception {
        // only the header and 1 kB of the payload are sent: the server must not wait for (or allocate) the rest
        byte[] header = ClientFrames.header(FIN | BINARY, 200L * 1024 * 1024, new byte[4]);
        assertClosedWith(MESSAGE_TOO_BIG, concat(header, new byte[1024]));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1001, 64 * 1024, 4 * 1024 * 1024})
    void aWholeOversizedFrameIsReadAndAnswered1009ThenAnOrderlyCloseNeverAReset(int size) throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port());
                LogCapture log = LogCapture.of(FRAME_HANDLER)) {
            // a client that sends the whole frame before it reads anything, as a simple one does
            assertThat(ws.raw().sendUntilRefused(ClientFrames.masked(FIN | BINARY, new byte[size])))
                    .as("the server takes the whole frame instead of resetting the connection")
                    .isTrue();
            RawClient.Frame close = ws.raw().readFrame();
            assertThat(close.opcode()).as("%s", close).isEqualTo(CLOSE);
            assertThat(close.closeCode()).isEqualTo(MESSAGE_TOO_BIG);
            assertThat(ws.raw().awaitOrderlyClose()).isEmpty();
            server.awaitSessionGone(ws.sid());
            assertThat(log.lines(Level.INFO))
                    .containsExactly(
                            "INFO session " + ws.sid() + " from " + ws.raw().localAddress()
                                    + ": WebSocket message over maxHttpBufferSize 1000; closing with 1009");
        }
        server.assertServesNewClient();
    }

    @Test
    void aFrameDeclaring2To62BytesIsClosedWithoutAllocating() throws Exception {
        byte[] header = ClientFrames.header(FIN | BINARY, 1L << 62, new byte[4]);
        assertClosedWithOneOf(concat(header, new byte[16]), PROTOCOL_ERROR, MESSAGE_TOO_BIG);
    }

    @Test
    void aFrameLengthWithTheMostSignificantBitSetIsClosedWithoutAllocating() throws Exception {
        byte[] header = ClientFrames.header(FIN | BINARY, 0x8000_0000_0000_0010L, new byte[4]);
        assertClosedWithOneOf(concat(header, new byte[16]), PROTOCOL_ERROR, MESSAGE_TOO_BIG);
    }

    // ---- B14: a fragmented message that never ends ------------------------------------------------------------

    @Test
    void aTextMessageOf200000OneByteContinuationsIsClosedAtTheLimit() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            ws.raw().sendUntilRefused(fragmentedMessageOf200000Continuations());
            assertThat(ws.raw().awaitCloseCode()).isNotEqualTo(RawClient.NO_CLOSE_FRAME);
            server.awaitSessionGone(ws.sid());
        }
        server.assertServesNewClient();
    }

    @Test
    void aTextMessageOf200000OneByteContinuationsIsClosedWith1009AtTheLimit() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            ws.raw().sendUntilRefused(fragmentedMessageOf200000Continuations());
            assertThat(ws.raw().awaitCloseCode()).isEqualTo(MESSAGE_TOO_BIG);
            server.awaitSessionGone(ws.sid());
        }
        server.assertServesNewClient();
    }

    private static byte[] fragmentedMessageOf200000Continuations() {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frames.writeBytes(ClientFrames.masked(TEXT, "4".getBytes()));
        byte[] oneByte = {'x'};
        for (int i = 0; i < 200_000; i++) {
            frames.writeBytes(ClientFrames.masked(CONTINUATION, oneByte));
        }
        return frames.toByteArray();
    }

    // ---- B16: RFC 6455 violations -----------------------------------------------------------------------------

    @Test
    void anUnmaskedClientFrameIsAProtocolError() throws Exception {
        assertClosedWith(PROTOCOL_ERROR, ClientFrames.unmasked(FIN | TEXT, "40".getBytes()));
    }

    @ParameterizedTest(name = "rsv bits 0x{0}")
    @ValueSource(ints = {RSV1, RSV2, RSV3, RSV1 | RSV2 | RSV3})
    void aFrameWithReservedBitsSetIsAProtocolError(int rsv) throws Exception {
        assertClosedWith(PROTOCOL_ERROR, ClientFrames.masked(FIN | rsv | TEXT, "40".getBytes()));
    }

    @ParameterizedTest(name = "opcode 0x{0}")
    @ValueSource(ints = {0x3, 0x7, 0xB, 0xF})
    void aFrameWithAReservedOpcodeIsAProtocolError(int opcode) throws Exception {
        assertClosedWith(PROTOCOL_ERROR, ClientFrames.masked(FIN | opcode, "40".getBytes()));
    }

    @Test
    void aPingWithMoreThan125BytesIsAProtocolError() throws Exception {
        assertClosedWith(PROTOCOL_ERROR, ClientFrames.masked(FIN | PING, new byte[126]));
    }

    @Test
    void aLengthNotInItsShortestFormIsAProtocolError() throws Exception {
        // "40" declared with the 16-bit length form, which RFC 6455 section 5.2 allows only from 126 bytes on
        byte[] frame = {(byte) (FIN | TEXT), (byte) (0x80 | 126), 0, 2, 0, 0, 0, 0, '4', '0'};
        assertClosedWith(PROTOCOL_ERROR, frame);
    }

    @Test
    void aFragmentedPingIsAProtocolError() throws Exception {
        assertClosedWith(PROTOCOL_ERROR, ClientFrames.masked(PING, "half".getBytes()));
    }

    @Test
    void aContinuationWithoutAStartIsAProtocolError() throws Exception {
        assertClosedWith(PROTOCOL_ERROR, ClientFrames.masked(FIN | CONTINUATION, "40".getBytes()));
    }

    @Test
    void aNewDataFrameInsideAFragmentedMessageIsAProtocolError() throws Exception {
        assertClosedWith(
                PROTOCOL_ERROR,
                concat(
                        ClientFrames.masked(TEXT, "4".getBytes()),
                        ClientFrames.masked(FIN | TEXT, "2[\"echo\"]".getBytes())));
    }

    @ParameterizedTest(name = "bytes {0}")
    @ValueSource(strings = {"34c328", "34ff", "34c0af", "34eda080", "34f4908080", "34e282"})
    void aTextFrameWithInvalidUtf8IsClosedWith1007(String hex) throws Exception {
        assertClosedWith(
                INVALID_PAYLOAD, ClientFrames.masked(FIN | TEXT, HexFormat.of().parseHex(hex)));
    }

    @Test
    void aReplacementCharacterThatIsValidUtf8IsDelivered() throws Exception {
        // U+FFFD encoded as it should be (EF BF BD): the server's quick check sees it and must not call it invalid
        try (EngineWebSocket ws = EngineWebSocket.connected(server.port())) {
            String packet = "42[\"echo\",\"a\uFFFDb\"]";
            ws.send(packet); // UTF-8
            assertThat(ws.nextPacket()).isEqualTo(packet);
            ws.closeCleanly();
        }
    }

    @Test
    void invalidUtf8SplitAcrossFragmentsIsClosedWith1007() throws Exception {
        byte[] start = HexFormat.of().parseHex("34e2"); // "4" and the first byte of a 3-byte sequence
        byte[] bad = HexFormat.of().parseHex("2828"); // not continuation bytes
        assertClosedWith(
                INVALID_PAYLOAD,
                concat(ClientFrames.masked(TEXT, start), ClientFrames.masked(FIN | CONTINUATION, bad)));
    }

    @Test
    void aCloseFrameWithAOneBytePayloadIsAProtocolError() throws Exception {
        assertClosedWith(PROTOCOL_ERROR, ClientFrames.masked(FIN | CLOSE, new byte[] {3}));
    }

    @ParameterizedTest(name = "close code {0}")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535})
    void aCloseFrameWithAnInvalidCodeEndsTheConnection(int code) throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            ws.raw().sendFrame(FIN | CLOSE, RawClient.closePayload(code, ""));
            ws.raw().awaitCloseCode();
            server.awaitSessionGone(ws.sid());
        }
        server.assertServesNewClient();
    }

    @ParameterizedTest(name = "close code {0}")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535})
    void aCloseFrameWithAnInvalidCodeIsAnsweredWith1002(int code) throws Exception {
        assertClosedWith(PROTOCOL_ERROR, ClientFrames.masked(FIN | CLOSE, RawClient.closePayload(code, "")));
    }

    // ---- Engine.IO packets that are not valid --------------------------------------------------------------------

    @ParameterizedTest(name = "frame \"{0}\"")
    @ValueSource(strings = {"", "9", "x", "{\"sid\":1}", "0", "2"})
    void aTextFrameThatIsNotAValidClientPacketClosesTheSession(String frame) throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            ws.send(frame);
            ws.awaitClosedByServer();
            server.awaitSessionGone(ws.sid());
        }
        server.assertServesNewClient();
    }

    @Test
    void anInvalidEnginePacketIsLoggedInOneInfoLineSayingWhatWasWrong() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port());
                LogCapture log = LogCapture.of(FRAME_HANDLER)) {
            ws.send("9");
            assertThat(ws.raw().awaitCloseCode()).isEqualTo(PROTOCOL_ERROR);
            server.awaitSessionGone(ws.sid());
            assertThat(log.lines(Level.INFO))
                    .containsExactly(
                            "INFO session " + ws.sid() + " from " + ws.raw().localAddress()
                                    + ": malformed Engine.IO packet over WebSocket: invalid packet type '9'; closing with 1002");
        }
        server.assertServesNewClient();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** Sends {@code bytes} on a fresh WebSocket-only session and expects the close code {@code code}. */
    private static void assertClosedWith(int code, byte[] bytes) throws Exception {
        assertClosedWithOneOf(bytes, code);
    }

    private static void assertClosedWithOneOf(byte[] bytes, Integer... codes) throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            ws.raw().sendUntilRefused(bytes);
            assertThat(ws.raw().awaitCloseCode()).isIn((Object[]) codes);
            server.awaitSessionGone(ws.sid());
        }
        server.assertServesNewClient();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
