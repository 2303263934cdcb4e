package io.courier.badinput;

import static io.courier.badinput.RawClient.FIN;
import static io.courier.badinput.RawClient.PING;
import static io.courier.badinput.RawClient.RSV1;
import static io.courier.badinput.RawClient.RSV2;
import static io.courier.badinput.RawClient.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.courier.testing.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compressed input from raw WebSocket clients on a server with permessage-deflate on and maxHttpBufferSize 1000: a
 * small frame that inflates far past the limit (a zip bomb) closes that connection with 1009 and nothing else, data
 * that does not inflate is 1007, reserved bits the extension does not use are 1002. Frames are written by hand.
 */
class WebSocketDeflateBadInputTest {
    @RegisterExtension
    static final TestServer server = TestServer.with(c -> c.perMessageDeflate(d -> {}));

    private static final String OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits";
    private static final String FRAME_HANDLER = "io.courier.netty.WebSocketFrameHandler";

    /** A session on a connection that negotiated permessage-deflate. */
    private static EngineWebSocket compressing() throws IOException {
        RawClient raw = RawClient.connect(server.port());
        RawClient.HttpReply reply = raw.upgrade(EngineWebSocket.PATH, OFFER);
        assertThat(reply.status()).as("%s", reply).isEqualTo(101);
        assertThat(reply.header("Sec-WebSocket-Extensions")).isEqualTo("permessage-deflate");
        return EngineWebSocket.over(raw);
    }

    /** A whole message as a client compresses it: raw deflate, sync flush, the trailing 00 00 ff ff removed. */
    private static byte[] deflate(byte[] message) {
        Deflater deflater = new Deflater(9, true);
        deflater.setInput(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        do {
            n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            out.write(buf, 0, n);
        } while (n == buf.length);
        deflater.end();
        byte[] all = out.toByteArray();
        return Arrays.copyOf(all, all.length - 4);
    }

    @Test
    void aCompressedEventIsInflatedAndAnswered() throws Exception {
        try (EngineWebSocket ws = compressing()) {
            ws.connect("/");
            byte[] packet = "421[\"echo\",\"squeezed\"]".getBytes(StandardCharsets.UTF_8);
            ws.raw().sendFrame(FIN | RSV1 | TEXT, deflate(packet));
            assertThat(ws.nextPacket()).isEqualTo("431[\"squeezed\"]");
            ws.assertEchoRoundTrip(); // and plain frames still pass on the same connection
            ws.closeCleanly();
        }
    }

    @Test
    void aZipBombIsClosedWith1009AndHarmsNoOtherConnection() throws Exception {
        String payload = "x".repeat(300_000);
        byte[] bomb = deflate(("42[\"echo\",\"" + payload + "\"]").getBytes(StandardCharsets.UTF_8));
        assertThat(bomb.length)
                .as("the frame itself is under maxHttpBufferSize")
                .isLessThan(1000);
        try (EngineWebSocket bystander = compressing();
                EngineWebSocket ws = compressing();
                LogCapture log = LogCapture.of(FRAME_HANDLER)) {
            bystander.connect("/");
            ws.connect("/");
            ws.raw().sendFrame(FIN | RSV1 | TEXT, bomb);
            assertThat(ws.awaitClosedByServer()).isEqualTo(1009);
            server.awaitSessionGone(ws.sid());
            assertThat(log.lines(Level.INFO))
                    .containsExactly(
                            "INFO session " + ws.sid() + " from " + ws.raw().localAddress()
                                    + ": WebSocket message over maxHttpBufferSize 1000; closing with 1009");
            bystander.assertEchoRoundTrip();
            bystander.closeCleanly();
        }
        server.assertServesNewClient();
    }

    @Test
    void compressedDataThatDoesNotInflateIsClosedWith1007() throws Exception {
        try (EngineWebSocket ws = compressing()) {
            ws.raw().sendFrame(FIN | RSV1 | TEXT, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x13, 0x37});
            assertThat(ws.awaitClosedByServer()).isEqualTo(1007);
            server.awaitSessionGone(ws.sid());
        }
        server.assertServesNewClient();
    }

    @Test
    void reservedBitsTheExtensionDoesNotUseAreAProtocolError() throws Exception {
        try (EngineWebSocket ws = compressing()) {
            ws.raw().sendFrame(FIN | RSV2 | TEXT, "40".getBytes(StandardCharsets.UTF_8));
            assertThat(ws.awaitClosedByServer()).isEqualTo(1002);
        }
        try (EngineWebSocket ws = compressing()) {
            ws.raw().sendFrame(FIN | RSV1 | PING, new byte[0]); // control frames are never compressed
            assertThat(ws.awaitClosedByServer()).isEqualTo(1002);
        }
        server.assertServesNewClient();
    }

    @Test
    void aClientThatOffersNothingGetsNoCompressionAndRsv1IsAProtocolError() throws Exception {
        RawClient raw = RawClient.connect(server.port());
        RawClient.HttpReply reply = raw.upgrade(EngineWebSocket.PATH);
        assertThat(reply.status()).isEqualTo(101);
        assertThat(reply.header("Sec-WebSocket-Extensions")).isNull();
        try (EngineWebSocket ws = EngineWebSocket.over(raw)) {
            ws.raw().sendFrame(FIN | RSV1 | TEXT, deflate("40".getBytes(StandardCharsets.UTF_8)));
            assertThat(ws.awaitClosedByServer()).isEqualTo(1002);
        }
    }
}
