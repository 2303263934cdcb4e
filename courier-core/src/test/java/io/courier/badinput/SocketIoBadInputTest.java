package io.courier.badinput;

import static io.courier.badinput.EngineErrors.assertEngineError;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.courier.DisconnectReason;
import io.courier.testing.ClientFrames;
import io.courier.testing.LogCapture;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed and abusive Socket.IO packets (B18-B27) from a client that has joined the main
 * namespace over a raw WebSocket, on a server whose maxHttpBufferSize is 1000 bytes. A malformed packet closes the
 * whole connection as a parse error and never reaches an application handler; abuse that is well-formed (pong and
 * namespace floods, stray acks) leaves the connection up. Every test ends by checking that a new client is served.
 */
class SocketIoBadInputTest {
    @RegisterExtension
    static final TestServer server = TestServer.standard();

    private static final String HELLO_WITH_PLACEHOLDER = "451-[\"hello\",{\"_placeholder\":true,\"num\":%s}]";

    // ---- B18 / B19: binary attachments ------------------------------------------------------------------------

    @ParameterizedTest(name = "num: {0}")
    @ValueSource(strings = {"\"splice\"", "1", "-1", "1.5", "\"0\"", "null"})
    void aPlaceholderThatIsNotAnAttachmentIndexClosesTheConnection(String num) throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            String socketId = ws.connect("/");
            ws.send(HELLO_WITH_PLACEHOLDER.formatted(num));
            ws.raw().sendUntilRefused(ClientFrames.masked(RawClient.FIN | RawClient.BINARY, new byte[] {1, 2, 3}));
            assertClosedAsParseError(ws, socketId);
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    @Test
    void aBinaryAttachmentWithoutAPendingPacketClosesTheConnection() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            String socketId = ws.connect("/");
            ws.raw().sendFrame(RawClient.FIN | RawClient.BINARY, new byte[] {1, 2, 3});
            assertClosedAsParseError(ws, socketId);
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    @Test
    void aTextPacketWhileAttachmentsArePendingClosesTheConnection() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            String socketId = ws.connect("/");
            ws.send(HELLO_WITH_PLACEHOLDER.formatted("0"));
            ws.send("42[\"hello\"]");
            assertClosedAsParseError(ws, socketId);
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    // ---- B20 / B24: invalid packets ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                // B20: an event needs a name (string or number) first
                "42[{\"toString\":\"foo\"}]",
                "42[true,\"foo\"]",
                "42[null,\"bar\"]",
                "42[]",
                "42{}",
                "42\"hello\"",
                "42[[\"nested\"]]",
                // B24: socket.io-parser's invalid payloads, and a client CONNECT_ERROR
                "442[\"some\",\"data\"",
                "40/admin,\"invalid\"",
                "40[]",
                "41/admin,{}",
                "42/admin,\"invalid",
                "42/admin,{}",
                "4999",
                "47",
                "4",
                "42abc[\"x\"]",
                "42[\"x\"]trailing",
                "44{\"message\":\"x\"}",
                "44\"x\"",
                // B23: more attachments than allowed, refused before any attachment is sent
                "4511-[\"x\"]",
                "459999999999-[\"x\"]",
                // B22: an ack id that overflows a 64-bit integer
                "4299999999999999999999[\"x\"]"
            })
    void aMalformedPacketClosesTheConnectionAsAParseError(String packet) throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            String socketId = ws.connect("/");
            ws.send(packet);
            assertClosedAsParseError(ws, socketId);
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"attachment count", "ack id"})
    void aDigitRunOfNineHundredDigitsClosesTheConnectionAsAParseError(String field) throws Exception {
        // B22 within the size limit: far beyond any attachment count or ack id
        String digits = "9".repeat(900);
        String packet = field.equals("ack id") ? "42" + digits + "[\"x\"]" : "45" + digits + "-[\"x\"]";
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            String socketId = ws.connect("/");
            ws.send(packet);
            assertClosedAsParseError(ws, socketId);
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"42[]", "abc", "44{\"message\":\"x\"}", "42[\"connect\"]"})
    void aMalformedPacketOverPollingClosesTheSession(String packet) throws Exception {
        PollingClient polling = server.polling();
        String sid = polling.handshake();
        polling.connect(sid);
        HttpResponse<String> post = polling.post(sid, packet);
        // the session is closed whether or not this POST itself is refused
        assertThat(post.statusCode()).isIn(200, 400);
        server.awaitSessionGone(sid);
        assertEngineError(polling.get(sid), 1, "Session ID unknown");
        assertNoHandlerRanAndNewClientsAreServed();
    }

    // ---- B21: reserved event names ----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "42[\"connect\"]",
                "42[\"connect_error\"]",
                "42[\"disconnect\",\"x\"]",
                "42[\"disconnecting\"]",
                "42[\"newListener\"]",
                "42[\"removeListener\"]"
            })
    void aReservedEventNameClosesTheConnectionWithoutReachingLifecycleHandlers(String packet) throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            String socketId = ws.connect("/");
            ws.send(packet);
            // the socket leaves because of the parse error, not as a client namespace disconnect
            assertClosedAsParseError(ws, socketId);
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    @Test
    void anErrorEventIsAnOrdinaryApplicationEvent() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.connected(server.port())) {
            ws.send("421[\"error\",\"boom\"]");
            assertThat(ws.nextPacket()).isEqualTo("431[\"error handled\"]");
            assertThat(server.errorEvents()).containsExactly("[\"boom\"]");
            ws.assertEchoRoundTrip();
            ws.closeCleanly();
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    // ---- invalid state: packets for a namespace the client has not joined ----------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"42/admin,[\"echo\",1]", "43/admin,1[]", "41/admin,", "40"})
    void aPacketForANamespaceNotJoinedOrASecondConnectClosesTheConnection(String packet) throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            String socketId = ws.connect("/");
            ws.send(packet);
            ws.awaitClosedByServer();
            server.awaitSessionGone(ws.sid());
            assertThat(server.awaitDisconnect(socketId)).isNotEqualTo(DisconnectReason.CLIENT_NAMESPACE_DISCONNECT);
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            textBlock = """
                42["echo",1] | event for namespace / which is not connected
                431[]        | ack for namespace / which is not connected
                """) // 431[] has the shape ClientConnection reads without a packet
    void anEventOrAckBeforeAnyConnectClosesTheConnection(String packet, String why) throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port());
                LogCapture log = LogCapture.of("io.courier.server.ClientConnection")) {
            ws.send(packet);
            ws.awaitClosedByServer();
            server.awaitSessionGone(ws.sid());
            // closed for the packet, not at the connect timeout
            assertThat(log.lines(Level.INFO))
                    .singleElement(InstanceOfAssertFactories.STRING)
                    .endsWith(": bad Socket.IO packet: " + why);
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    // ---- B22 / B23 beyond the size limit ----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"10,000,000-digit attachment count", "100,000-digit ack id"})
    void anOversizedDigitRunIsClosedWith1009BeforeParsing(String shape) throws Exception {
        String packet = shape.startsWith("10,000,000")
                ? "45" + "1".repeat(10_000_000) + "-[\"x\"]"
                : "42" + "1".repeat(100_000) + "[\"x\"]";
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            ws.connect("/");
            ws.raw().sendUntilRefused(ClientFrames.masked(RawClient.FIN | RawClient.TEXT, packet.getBytes()));
            assertThat(ws.raw().awaitCloseCode()).isEqualTo(1009);
            server.awaitSessionGone(ws.sid());
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    // ---- B25: unsolicited pongs -------------------------------------------------------------------------------

    // the flood runs under sampled leak detection (see SampledLeakDetection): B25 is about timers, not buffers
    @Test
    void oneHundredThousandUnsolicitedPongsLeaveTheConnectionUpAndPingsGoOn() throws Exception {
        try (SampledLeakDetection sampled = new SampledLeakDetection();
                EngineWebSocket ws = EngineWebSocket.connected(server.port())) {
            ByteArrayOutputStream pongs = new ByteArrayOutputStream();
            for (int i = 0; i < 100_000; i++) {
                pongs.writeBytes(ClientFrames.masked(RawClient.FIN | RawClient.TEXT, new byte[] {'3'}));
            }
            ws.raw().send(pongs.toByteArray());
            // two more pings arrive and are answered: the heartbeat still runs
            for (int pings = 0; pings < 2; ) {
                RawClient.Frame f = ws.raw().readFrame();
                assertThat(f.text()).isEqualTo("2");
                ws.send("3");
                pings++;
            }
            ws.assertEchoRoundTrip();
            assertThat(server.io().engine().session(ws.sid()).isOpen()).isTrue();
            ws.closeCleanly();
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    // ---- B26: CONNECT flood to unknown namespaces -------------------------------------------------------------

    // under sampled leak detection (see SampledLeakDetection): paranoid tracking of 1,000 refusals a batch kept the
    // loop busy past the 500 ms pong deadline, and the client's pong waits behind its own next batch
    @Test
    void tenThousandConnectsToUnknownNamespacesAreRefusedOneByOneAndLeaveNoState() throws Exception {
        try (SampledLeakDetection sampled = new SampledLeakDetection();
                EngineWebSocket ws = EngineWebSocket.connected(server.port())) {
            for (int batch = 0; batch < 10; batch++) {
                ByteArrayOutputStream connects = new ByteArrayOutputStream();
                for (int i = batch * 1000; i < (batch + 1) * 1000; i++) {
                    connects.writeBytes(ClientFrames.masked(
                            RawClient.FIN | RawClient.TEXT, ("40/ns-" + i + ",").getBytes(StandardCharsets.UTF_8)));
                }
                ws.raw().send(connects.toByteArray());
                for (int i = batch * 1000; i < (batch + 1) * 1000; i++) {
                    assertThat(ws.nextPacket()).isEqualTo("44/ns-" + i + ",{\"message\":\"Invalid namespace\"}");
                }
            }
            assertThat(server.io().engine().sessionCount()).isEqualTo(1);
            assertThat(server.io().engine().session(ws.sid()).isOpen()).isTrue();
            // had the server kept a namespace for a refused name, this CONNECT would now succeed
            ws.send("40/ns-5,");
            assertThat(ws.nextPacket()).isEqualTo("44/ns-5,{\"message\":\"Invalid namespace\"}");
            ws.assertEchoRoundTrip();
            ws.closeCleanly();
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    // ---- B27: ack abuse ---------------------------------------------------------------------------------------

    @Test
    void anAckForAnUnknownIdIsIgnored() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.connected(server.port())) {
            ws.send("43999999[\"x\"]");
            ws.send("430[]");
            ws.assertEchoRoundTrip();
            assertThat(server.io().engine().session(ws.sid()).isOpen()).isTrue();
            ws.closeCleanly();
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    @Test
    void aSecondAckWithTheSameIdIsIgnored() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.connected(server.port())) {
            ws.send("421[\"ask\"]");
            Matcher question = Pattern.compile("42(\\d+)\\[\"question\"]").matcher(ws.nextPacket());
            assertThat(question.matches()).isTrue();
            String id = question.group(1);
            ws.send("43" + id + "[\"answer\"]");
            ws.send("43" + id + "[\"answer again\"]");
            assertThat(ws.nextPacket()).isEqualTo("431[\"answer\"]");
            ws.assertEchoRoundTrip();
            assertThat(server.answers()).isEqualTo(1);
            ws.closeCleanly();
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    // ---- connect timeout -----------------------------------------------------------------------------------------

    @Test
    void aWebSocketSessionThatJoinsNoNamespaceIsClosedAtTheConnectTimeout() throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port())) {
            // pings are answered, so only the connect timeout (2 s) can end it
            ws.awaitClosedByServer();
            server.awaitSessionGone(ws.sid());
        }
        server.assertServesNewClient();
    }

    @Test
    void aPollingSessionThatJoinsNoNamespaceIsClosedAtTheConnectTimeout() throws Exception {
        PollingClient polling = server.polling();
        String sid = polling.handshake();
        // pings are answered, so only the connect timeout (2 s) can end it
        HttpResponse<String> r = polling.get(sid);
        while (r.statusCode() == 200 && r.body().equals("2")) {
            polling.post(sid, "3");
            r = polling.get(sid);
        }
        if (r.statusCode() == 200) {
            // the poll held when the timeout fired carries the close packet
            assertThat(r.body()).isEqualTo("1");
        } else {
            assertEngineError(r, 1, "Session ID unknown");
        }
        server.awaitSessionGone(sid);
        assertEngineError(polling.get(sid), 1, "Session ID unknown");
        server.assertServesNewClient();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** The server ends the connection and the socket leaves with the reason "parse error". */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
                49               | unknown packet type '9'
                42["echo"        | invalid json
                42[]             | invalid payload for EVENT
                41/nowhere,      | disconnect from namespace /nowhere which is not connected
                """)
    void aBadPacketIsLoggedInOneInfoLineSayingWhatWasWrong(String packet, String why) throws Exception {
        try (EngineWebSocket ws = EngineWebSocket.open(server.port());
                LogCapture log = LogCapture.of("io.courier.server.ClientConnection")) {
            String socketId = ws.connect("/");
            ws.send(packet);
            assertClosedAsParseError(ws, socketId);
            assertThat(log.lines(Level.INFO))
                    .singleElement(InstanceOfAssertFactories.STRING)
                    .startsWith("INFO closing connection " + ws.sid() + " from "
                            + ws.raw().localAddress() + ": bad Socket.IO packet: " + why);
        }
        assertNoHandlerRanAndNewClientsAreServed();
    }

    private static void assertClosedAsParseError(EngineWebSocket ws, String socketId) throws Exception {
        ws.awaitClosedByServer();
        server.awaitSessionGone(ws.sid());
        assertThat(server.awaitDisconnect(socketId)).isEqualTo(DisconnectReason.PARSE_ERROR);
    }

    private static void assertNoHandlerRanAndNewClientsAreServed() throws Exception {
        server.assertServesNewClient();
        assertThat(server.unexpectedEvents()).isEmpty();
    }
}
