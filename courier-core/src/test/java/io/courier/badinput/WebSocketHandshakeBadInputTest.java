package io.courier.badinput;

import static io.courier.badinput.EngineErrors.assertEngineError;
import static org.assertj.core.api.Assertions.assertThat;

import io.courier.badinput.RawClient.HttpReply;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed WebSocket upgrade requests (B4, B5, B6, B15), sent over real sockets. Every test ends by
 * checking that a new client is still served.
 */
class WebSocketHandshakeBadInputTest {
    @RegisterExtension
    static final TestServer server = TestServer.standard();

    private static final String PATH = EngineWebSocket.PATH;

    // ---- B4: invalid upgrade headers --------------------------------------------------------------------------

    @ParameterizedTest(name = "Sec-WebSocket-Version: {0}")
    @ValueSource(strings = {"12", "99", "abc"})
    void anUnknownWebSocketVersionIsAnswered426NamingVersion13(String version) throws Exception {
        assertAnswered426NamingVersion13(version);
    }

    @ParameterizedTest(name = "Sec-WebSocket-Version: {0}")
    @ValueSource(strings = {"8", "7"})
    void aDraftWebSocketVersionIsAnswered426NamingVersion13(String version) throws Exception {
        assertAnswered426NamingVersion13(version);
    }

    private static void assertAnswered426NamingVersion13(String version) throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request(
                    "GET",
                    PATH,
                    "Connection: Upgrade",
                    "Upgrade: websocket",
                    "Sec-WebSocket-Version: " + version,
                    "Sec-WebSocket-Key: " + RawClient.newKey()));
            HttpReply r = c.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(426);
            assertThat(r.header("Sec-WebSocket-Version")).isEqualTo("13");
        }
        server.assertServesNewClient();
    }

    @Test
    void anUpgradeWithoutWebSocketVersionIsRefused() throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request(
                    "GET",
                    PATH,
                    "Connection: Upgrade",
                    "Upgrade: websocket",
                    "Sec-WebSocket-Key: " + RawClient.newKey()));
            HttpReply r = c.readResponse();
            assertThat(r.status()).as("%s", r).isIn(400, 426);
        }
        server.assertServesNewClient();
    }

    @Test
    void anUpgradeWithoutWebSocketKeyIsAnswered400() throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request("GET", PATH, "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13"));
            assertThat(c.readResponse().status()).isEqualTo(400);
        }
        server.assertServesNewClient();
    }

    @ParameterizedTest(name = "Sec-WebSocket-Key: {0}")
    @ValueSource(strings = {"abc", "not base64 at all!!", "AAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    void anUpgradeWithAnInvalidWebSocketKeyIsAnswered400(String key) throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request(
                    "GET",
                    PATH,
                    "Connection: Upgrade",
                    "Upgrade: websocket",
                    "Sec-WebSocket-Version: 13",
                    "Sec-WebSocket-Key: " + key));
            HttpReply r = c.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(400);
        }
        server.assertServesNewClient();
    }

    @Test
    void anUpgradeWithoutUpgradeHeaderIsAPlainGetAndAnswered400() throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request(
                    "GET",
                    PATH,
                    "Connection: Upgrade",
                    "Sec-WebSocket-Version: 13",
                    "Sec-WebSocket-Key: " + RawClient.newKey()));
            assertEngineError(c.readResponse(), 3, "Bad request");
        }
        server.assertServesNewClient();
    }

    @Test
    void anUpgradeWithADuplicatedUpgradeHeaderIsAnswered400() throws Exception {
        try (RawClient c = server.connect()) {
            HttpReply r = c.upgrade(PATH, "Upgrade: websocket");
            assertThat(r.status()).as("%s", r).isEqualTo(400);
        }
        server.assertServesNewClient();
    }

    // ---- B5: pathological Sec-WebSocket-Protocol values -------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"10,000 spaces", "50,000 spaces", "10,000 commas"})
    void aPathologicalSubprotocolListChoosesNoSubprotocolOrIsRefused(String shape) throws Exception {
        String value =
                switch (shape) {
                    case "10,000 spaces" -> "a" + " ".repeat(10_000) + "b";
                    case "50,000 spaces" -> "a" + " ".repeat(50_000) + "b";
                    case "10,000 commas" -> "a" + ",".repeat(10_000) + "b";
                    default -> throw new IllegalArgumentException(shape);
                };
        try (RawClient c = server.connect()) {
            assertUpgradedWithoutNegotiationOrRefused(c, "Sec-WebSocket-Protocol: " + value);
        }
        server.assertServesNewClient();
    }

    // ---- B6 / B15: extension offers are declined ---------------------------------------------------------------

    @ParameterizedTest(name = "Sec-WebSocket-Extensions: {0}")
    @ValueSource(
            strings = {
                "constructor; toString=1, permessage-deflate; client_max_window_bits=abc; server_max_window_bits=99",
                "permessage-deflate; server_max_window_bits=0",
                "permessage-deflate;;;;;, ,,;=;=",
                "__proto__, x-webkit-deflate-frame",
                "permessage-deflate; client_max_window_bits"
            })
    void aMalformedOrUnsupportedExtensionOfferIsDeclined(String offer) throws Exception {
        try (RawClient c = server.connect()) {
            assertUpgradedWithoutNegotiationOrRefused(c, "Sec-WebSocket-Extensions: " + offer);
        }
        server.assertServesNewClient();
    }

    @Test
    void aCompressedFrameAfterADeclinedPermessageDeflateOfferIsAProtocolError() throws Exception {
        try (RawClient c = server.connect()) {
            HttpReply r = c.upgrade(PATH, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Sec-WebSocket-Extensions")).isNull();
            String sid = EngineWebSocket.sidOf(c.readFrame().text());
            // about 500 bytes that would inflate to 500 kB, sent as a compressed (RSV1) frame
            c.sendFrame(RawClient.FIN | RawClient.RSV1 | RawClient.TEXT, deflateBomb());
            assertThat(c.awaitCloseCode()).isEqualTo(1002);
            server.awaitSessionGone(sid);
        }
        server.assertServesNewClient();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /**
     * Sends an upgrade with {@code header}; the server either completes it without choosing a subprotocol or an
     * extension (and the session then works), or refuses it with 400 or 431.
     */
    private static void assertUpgradedWithoutNegotiationOrRefused(RawClient c, String header) throws IOException {
        c.send(c.request("GET", PATH, withHeader(header)));
        Optional<HttpReply> reply = c.readResponseOrClose();
        assertThat(reply).as("an answer to the upgrade").isPresent();
        HttpReply r = reply.get();
        if (r.status() == 101) {
            assertThat(r.header("Sec-WebSocket-Protocol")).isNull();
            assertThat(r.header("Sec-WebSocket-Extensions")).isNull();
            RawClient.Frame open = c.readFrame();
            assertThat(open.text()).startsWith("0{");
            c.sendText("40");
            assertThat(c.readFrame().text()).startsWith("40{\"sid\":");
            c.sendFrame(RawClient.FIN | RawClient.CLOSE, RawClient.closePayload(1000, ""));
            assertThat(c.awaitCloseCode()).isEqualTo(1000);
        } else {
            assertThat(r.status()).as("%s", r).isIn(400, 431);
        }
    }

    private static String[] withHeader(String header) {
        String[] standard = RawClient.webSocketHeaders();
        String[] all = Arrays.copyOf(standard, standard.length + 1);
        all[standard.length] = header;
        return all;
    }

    private static byte[] deflateBomb() {
        Deflater deflater = new Deflater(9, true);
        deflater.setInput(new byte[500_000]);
        deflater.finish();
        byte[] buf = new byte[4096];
        int n = deflater.deflate(buf);
        deflater.end();
        return Arrays.copyOf(buf, n);
    }
}
