package io.courier.badinput;

import static io.courier.badinput.EngineErrors.assertEngineError;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.courier.badinput.RawClient.HttpReply;
import io.courier.testing.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPOutputStream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input at the HTTP and Engine.IO request level (B1, B3/B12, B4, B7-B10, B13), sent over real
 * sockets. Every test ends by checking that a new client is still served.
 */
class HttpBadInputTest {
    // pings every 5 s: no ping may slip into a poll that a test expects to hold (the overlapping-poll case)
    @RegisterExtension
    static final TestServer server = TestServer.with(c -> c.pingInterval(Duration.ofSeconds(5)));

    private static final String ENDPOINT = "/socket.io/?";
    private static final String HANDSHAKE = ENDPOINT + "EIO=4&transport=polling";

    // ---- B1: transport names that are Object.prototype members in JavaScript --------------------------------

    @ParameterizedTest(name = "transport={0}")
    @ValueSource(strings = {"__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "", "POLLING"})
    void anUnknownTransportIsAnsweredTransportUnknown(String transport) throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request("GET", ENDPOINT + "EIO=4&transport=" + transport));
            assertEngineError(c.readResponse(), 0, "Transport unknown");
        }
        server.assertServesNewClient();
    }

    @ParameterizedTest(name = "transport={0}")
    @ValueSource(strings = {"__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", ""})
    void anUnknownTransportInAWebSocketUpgradeIsAnsweredTransportUnknown(String transport) throws Exception {
        try (RawClient c = server.connect()) {
            assertEngineError(c.upgrade(ENDPOINT + "EIO=4&transport=" + transport), 0, "Transport unknown");
        }
        server.assertServesNewClient();
    }

    @Test
    void aRequestWithoutTransportIsAnsweredTransportUnknown() throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request("GET", ENDPOINT + "EIO=4"));
            assertEngineError(c.readResponse(), 0, "Transport unknown");
        }
        server.assertServesNewClient();
    }

    // ---- B8: the Engine.IO test-suite's invalid requests ------------------------------------------------------

    @ParameterizedTest(name = "query: {0}")
    @ValueSource(
            strings = {
                "transport=polling",
                "EIO=3&transport=polling",
                "EIO=abc&transport=polling",
                "EIO=&transport=polling",
                "EIO=5&transport=polling",
                "EIO=04&transport=polling"
            })
    void aHandshakeWithoutProtocolVersion4IsAnsweredUnsupportedProtocolVersion(String query) throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request("GET", ENDPOINT + query));
            assertEngineError(c.readResponse(), 5, "Unsupported protocol version");
        }
        server.assertServesNewClient();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
    void aHandshakeWithAnotherMethodThanGetIsAnsweredBadHandshakeMethod(String method) throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request(method, HANDSHAKE, "Content-Type: text/plain", "Content-Length: 2") + "40");
            assertEngineError(c.readResponse(), 2, "Bad handshake method");
        }
        server.assertServesNewClient();
    }

    @ParameterizedTest(name = "{0} sid={1}")
    @CsvSource({"GET,nosuchsession", "GET,__proto__", "POST,nosuchsession"})
    void aRequestForAnUnknownSessionIsAnsweredSessionIdUnknown(String method, String sid) throws Exception {
        try (RawClient c = server.connect()) {
            String headers = method.equals("POST") ? "Content-Length: 2" : "Accept: */*";
            c.send(c.request(method, HANDSHAKE + "&sid=" + sid, headers) + (method.equals("POST") ? "40" : ""));
            assertEngineError(c.readResponse(), 1, "Session ID unknown");
        }
        server.assertServesNewClient();
    }

    @Test
    void aPlainGetOnTheWebSocketTransportIsAnsweredBadRequest() throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request("GET", ENDPOINT + "EIO=4&transport=websocket"));
            assertEngineError(c.readResponse(), 3, "Bad request");
        }
        server.assertServesNewClient();
    }

    @ParameterizedTest(name = "body: {0}")
    @ValueSource(strings = {"abc", "9", "b%%%", "40\u001e", "\u001e40"})
    void anUndecodablePostBodyIsRefusedAndClosesTheSession(String body) throws Exception {
        String sid = server.polling().handshake();
        HttpResponse<String> post = server.polling().post(sid, body);
        assertThat(post.statusCode()).isEqualTo(400);
        assertSessionClosed(sid);
        server.assertServesNewClient();
    }

    @Test
    void anUndecodablePostBodyIsLoggedInOneInfoLineSayingWhatWasWrong() throws Exception {
        String sid = server.polling().handshake();
        try (LogCapture log = LogCapture.of("io.courier.netty.HttpRequestHandler")) {
            assertThat(server.polling().post(sid, "40\u001e9").statusCode()).isEqualTo(400);
            assertSessionClosed(sid);
            assertThat(log.lines(Level.INFO))
                    .singleElement(InstanceOfAssertFactories.STRING)
                    .startsWith("INFO session " + sid + " from /127.0.0.1:")
                    .endsWith(": malformed polling payload: invalid packet type '9' at record 1; closing");
        }
        server.assertServesNewClient();
    }

    @Test
    void aPostWhoseBodyEndsAfterTheSwitchToWebSocketIsRefusedAndHandlesNothing() throws Exception {
        String sid = server.polling().handshake();
        server.polling().connect(sid);
        String late = "42[\"echo\",\"late\"]";
        try (RawClient post = server.connect();
                RawClient ws = RawClient.webSocket(server.port(), EngineWebSocket.PATH + "&sid=" + sid)) {
            post.send(post.request(
                    "POST",
                    HANDSHAKE + "&sid=" + sid,
                    "Content-Type: text/plain;charset=UTF-8",
                    "Content-Length: " + late.length()));
            post.send(late.substring(0, 3));
            ws.sendText("2probe");
            assertThat(ws.readFrame().text()).isEqualTo("3probe");
            ws.sendText("5");
            TestServer.awaitTrue(
                    "the switch to WebSocket",
                    () -> server.io().engine().session(sid).transportName().equals("websocket"));

            post.send(late.substring(3));

            // as the reference server answers a polling request once the session is on WebSocket
            assertEngineError(post.readResponse(), 3, "Bad request");
            ws.sendText("421[\"echo\",\"on the WebSocket\"]");
            RawClient.Frame next = ws.readFrame();
            while (next.text().equals("2")) {
                ws.sendText("3");
                next = ws.readFrame();
            }
            assertThat(next.text())
                    .as("the late POST's message was not handled")
                    .isEqualTo("431[\"on the WebSocket\"]");
            ws.sendFrame(RawClient.FIN | RawClient.CLOSE, RawClient.closePayload(1000, ""));
            assertThat(ws.awaitCloseCode()).isEqualTo(1000);
        }
        server.assertServesNewClient();
    }

    @Test
    void anEmptyPostBodyIsRefusedAndClosesTheSession() throws Exception {
        String sid = server.polling().handshake();
        try (RawClient c = server.connect()) {
            c.send(c.request("POST", HANDSHAKE + "&sid=" + sid, "Content-Length: 0"));
            assertThat(c.readResponse().status()).isEqualTo(400);
        }
        assertSessionClosed(sid);
        server.assertServesNewClient();
    }

    @Test
    void aBinaryPostBodyIsRefusedAndClosesTheSession() throws Exception {
        String sid = server.polling().handshake();
        try (RawClient c = server.connect()) {
            c.send(c.request(
                            "POST",
                            HANDSHAKE + "&sid=" + sid,
                            "Content-Type: application/octet-stream",
                            "Content-Length: 2")
                    + "40");
            assertThat(c.readResponse().status()).isEqualTo(400);
        }
        assertSessionClosed(sid);
        server.assertServesNewClient();
    }

    @Test
    void twoConcurrentPollsForOneSessionCloseIt() throws Exception {
        String sid = server.polling().handshake();
        try (RawClient first = server.connect();
                RawClient second = server.connect()) {
            first.send(first.request("GET", HANDSHAKE + "&sid=" + sid));
            second.send(second.request("GET", HANDSHAKE + "&sid=" + sid));
            CompletableFuture<HttpReply> a = readAsync(first);
            CompletableFuture<HttpReply> b = readAsync(second);
            HttpReply r1 = a.get();
            HttpReply r2 = b.get();
            // whichever poll the server saw second is refused; the one it held is released with a close packet
            HttpReply refused = r1.status() == 400 ? r1 : r2;
            HttpReply held = refused == r1 ? r2 : r1;
            assertThat(refused.status()).as("refused poll %s", refused).isEqualTo(400);
            assertThat(held.status()).as("held poll %s", held).isEqualTo(200);
            assertThat(held.bodyText()).isEqualTo("1");
        }
        assertSessionClosed(sid);
        server.assertServesNewClient();
    }

    // ---- B7: bodies over maxHttpBufferSize (1000 bytes) -------------------------------------------------------

    @Test
    void aPostDeclaringMoreThanMaxHttpBufferSizeIsRefusedWith413BeforeItsBodyIsRead() throws Exception {
        String sid = server.polling().handshake();
        try (RawClient c = server.connect()) {
            // 10 MB announced, 4 kB sent: the answer must not wait for the rest
            c.send(c.request("POST", HANDSHAKE + "&sid=" + sid, "Content-Type: text/plain", "Content-Length: 10000000")
                    + "4" + "x".repeat(4095));
            assertThat(c.readResponse().status()).isEqualTo(413);
            c.awaitClosed();
        }
        server.polling().closeIfOpen(sid);
        server.assertServesNewClient();
    }

    @Test
    void aClientThatSendsItsWholeOversizedBodyStillReadsThe413() throws Exception {
        String sid = server.polling().handshake();
        try (RawClient c = server.connect()) {
            // the server answers after the head; closing at once would reset the connection under the client's feet
            String body = "4" + "x".repeat(16 << 20);
            c.send(c.request(
                            "POST",
                            HANDSHAKE + "&sid=" + sid,
                            "Content-Type: text/plain",
                            "Content-Length: " + body.length())
                    + body);
            assertThat(c.readResponse().status()).isEqualTo(413);
            c.awaitClosed();
        }
        server.polling().closeIfOpen(sid);
        server.assertServesNewClient();
    }

    @Test
    void aChunkedPostGrowingPastMaxHttpBufferSizeIsRefusedWith413BeforeItEnds() throws Exception {
        String sid = server.polling().handshake();
        try (RawClient c = server.connect()) {
            String chunk = Integer.toHexString(600) + "\r\n" + "4" + "x".repeat(599) + "\r\n";
            // two chunks (1200 bytes) and no last chunk: the body never ends, the answer must not wait for it
            c.send(c.request(
                            "POST", HANDSHAKE + "&sid=" + sid, "Content-Type: text/plain", "Transfer-Encoding: chunked")
                    + chunk
                    + chunk);
            assertThat(c.readResponse().status()).isEqualTo(413);
            c.awaitClosed();
        }
        server.polling().closeIfOpen(sid);
        server.assertServesNewClient();
    }

    @Test
    void aPostOfExactlyMaxHttpBufferSizeIsAccepted() throws Exception {
        String sid = server.polling().handshake();
        server.polling().connect(sid);
        String prefix = "42[\"echo\",\"";
        String text = "y".repeat(1000 - prefix.length() - 2);
        String body = prefix + text + "\"]";
        assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(1000);
        server.polling().postOk(sid, body);
        assertThat(server.polling().poll(sid)).containsExactly(body);
        server.polling().closeSession(sid);
    }

    // ---- B13: compressed request bodies are never decompressed -------------------------------------------------

    @ParameterizedTest(name = "Content-Encoding: {0}")
    @ValueSource(strings = {"gzip", "deflate", "br", "zstd", "snappy"})
    void aCompressedPostBodyIsTakenAsItsRawBytesAndRefused(String encoding) throws Exception {
        String sid = server.polling().handshake();
        // had the server inflated it, this would be a valid CONNECT
        byte[] body = gzip("40".getBytes(StandardCharsets.UTF_8));
        try (RawClient c = server.connect()) {
            c.send(c.request(
                    "POST",
                    HANDSHAKE + "&sid=" + sid,
                    "Content-Type: text/plain",
                    "Content-Encoding: " + encoding,
                    "Content-Length: " + body.length));
            c.send(body);
            assertThat(c.readResponse().status()).isEqualTo(400);
        }
        assertSessionClosed(sid);
        server.assertServesNewClient();
    }

    @Test
    void aGzipBombPostIsRefusedWithoutInflatingIt() throws Exception {
        String sid = server.polling().handshake();
        byte[] bomb = gzip(new byte[10_000_000]); // about 10 kB, inflating to 10 MB
        try (RawClient c = server.connect()) {
            c.send(c.request(
                    "POST",
                    HANDSHAKE + "&sid=" + sid,
                    "Content-Type: text/plain",
                    "Content-Encoding: gzip",
                    "Content-Length: " + bomb.length));
            c.sendUntilRefused(bomb);
            assertThat(c.readResponse().status()).isEqualTo(413);
            c.awaitClosed();
        }
        server.polling().closeIfOpen(sid);
        server.assertServesNewClient();
    }

    // ---- B9: Origin values that could split or inject headers --------------------------------------------------

    @ParameterizedTest(name = "Origin: {0}")
    @ValueSource(
            strings = {
                "https://a.example\u0000",
                "https://a.example\u0001",
                "https://a.example\u007f",
                "https://a.example\u001b[31m",
                "https://a.example\rSet-Cookie: x=1",
                "https://a.example\r\n Set-Cookie: x=1",
                "https://a.example\tSet-Cookie: x=1",
                "https://\u00c3\u00a9.example"
            })
    void anOriginWithControlCharactersIsRefusedAndNotReflected(String origin) throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request("GET", HANDSHAKE, "Origin: " + origin));
            Optional<HttpReply> reply = c.readResponseOrClose();
            if (reply.isPresent()) {
                HttpReply r = reply.get();
                assertThat(r.status()).as("%s", r).isEqualTo(400);
                if (r.body().length > 0) {
                    assertEngineError(r, 3, "Bad request");
                }
                assertNothingReflected(r);
            }
        }
        server.assertServesNewClient();
    }

    @Test
    void aHeaderLineInjectedAfterTheOriginIsNotReflected() throws Exception {
        // a real CRLF ends the Origin line: the server sees a well-formed Origin and a request header Set-Cookie
        String sid = null;
        try (RawClient c = server.connect()) {
            c.send(c.request("GET", HANDSHAKE, "Origin: https://a.example\r\nSet-Cookie: x=1"));
            Optional<HttpReply> reply = c.readResponseOrClose();
            if (reply.isPresent()) {
                assertNothingReflected(reply.get());
                if (reply.get().status() == 200) {
                    sid = EngineWebSocket.sidOf(reply.get().bodyText());
                }
            }
        }
        if (sid != null) {
            server.polling().closeIfOpen(sid);
        }
        server.assertServesNewClient();
    }

    // ---- B10: request smuggling shapes, refused by the HTTP decoder ---------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "header line without colon",
                "space before the colon of Transfer-Encoding",
                "Transfer-Encoding folded onto the previous header",
                "Content-Length and Transfer-Encoding",
                "two different Content-Lengths",
                "two equal Content-Lengths",
                "vertical tab in a header name",
                "NUL in a header name",
                "NUL before the request line",
                "SOH before the request line"
            })
    void aSmugglingShapedRequestIsRefusedAndTheConnectionClosed(String shape) throws Exception {
        try (RawClient c = server.connect()) {
            c.send(smuggling(shape));
            Optional<HttpReply> reply = c.readResponseOrClose();
            assertThat(reply).as("an answer to a request with %s", shape).isPresent();
            assertThat(reply.get().status()).as("%s", reply.get()).isEqualTo(400);
            c.awaitClosed();
        }
        server.assertServesNewClient();
    }

    private static String smuggling(String shape) {
        String get = "GET " + HANDSHAKE + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        String chunkedBody = "\r\n\r\n2\r\n40\r\n0\r\n\r\n";
        return switch (shape) {
            case "header line without colon" -> get + "X-Broken\r\n\r\n";
            case "space before the colon of Transfer-Encoding" -> get + "Transfer-Encoding : chunked" + chunkedBody;
            case "Transfer-Encoding folded onto the previous header" ->
                get + "Content-Length: 2\r\n Transfer-Encoding: chunked" + chunkedBody;
            case "Content-Length and Transfer-Encoding" ->
                get + "Content-Length: 5\r\nTransfer-Encoding: chunked" + chunkedBody;
            case "two different Content-Lengths" -> get + "Content-Length: 2\r\nContent-Length: 12\r\n\r\n40";
            case "two equal Content-Lengths" -> get + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n40";
            case "vertical tab in a header name" -> get + "X-A\u000bB: 1\r\n\r\n";
            case "NUL in a header name" -> get + "X-A\u0000B: 1\r\n\r\n";
            case "NUL before the request line" -> "\u0000" + get + "\r\n";
            case "SOH before the request line" -> "\u0001" + get + "\r\n";
            default -> throw new IllegalArgumentException(shape);
        };
    }

    @Test
    void aBareLineFeedInAChunkExtensionIsRefusedAndTheConnectionClosed() throws Exception {
        String sid = server.polling().handshake();
        try (RawClient c = server.connect()) {
            c.send(c.request(
                            "POST", HANDSHAKE + "&sid=" + sid, "Content-Type: text/plain", "Transfer-Encoding: chunked")
                    + "2;a\nb\r\n40\r\n0\r\n\r\n");
            Optional<HttpReply> reply = c.readResponseOrClose();
            assertThat(reply).as("an answer to the malformed chunk").isPresent();
            assertThat(reply.get().status()).as("%s", reply.get()).isEqualTo(400);
            c.awaitClosed();
        }
        server.polling().closeIfOpen(sid);
        server.assertServesNewClient();
    }

    // ---- B4: oversized request heads --------------------------------------------------------------------------

    @Test
    void anUpgradeWithTwoThousandHeadersIsRefusedAndTheConnectionClosed() throws Exception {
        try (RawClient c = server.connect()) {
            StringBuilder head = new StringBuilder("GET " + EngineWebSocket.PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            for (int i = 0; i < 2000; i++) {
                head.append("X-Filler-").append(i).append(": v\r\n");
            }
            for (String h : RawClient.webSocketHeaders()) {
                head.append(h).append("\r\n"); // Upgrade last, as in the ws CVE
            }
            c.sendUntilRefused(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            HttpReply r = c.readResponse();
            assertThat(r.status()).as("%s", r).isIn(431, 400);
            c.awaitClosed();
        }
        server.assertServesNewClient();
    }

    @Test
    void aHeaderLargerThanTheHeadLimitIsRefusedAndTheConnectionClosed() throws Exception {
        try (RawClient c = server.connect()) {
            c.sendUntilRefused(c.request("GET", HANDSHAKE, "X-Big: " + "v".repeat(64 * 1024))
                    .getBytes(StandardCharsets.ISO_8859_1));
            HttpReply r = c.readResponse();
            assertThat(r.status()).as("%s", r).isIn(431, 400);
            c.awaitClosed();
        }
        server.assertServesNewClient();
    }

    // ---- B3/B12: HTTP/2 is not spoken -------------------------------------------------------------------------

    @Test
    void anH2cUpgradeIsNotUpgradedAndTheConnectionCanBeResetSafely() throws Exception {
        String sid;
        try (RawClient c = server.connect()) {
            c.send(c.request(
                    "GET",
                    HANDSHAKE,
                    "Connection: Upgrade, HTTP2-Settings",
                    "Upgrade: h2c",
                    "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"));
            HttpReply r = c.readResponse();
            // answered as a plain HTTP/1.1 handshake: no 101, no Upgrade header
            assertThat(r.statusLine()).startsWith("HTTP/1.1 200");
            assertThat(r.header("Upgrade")).isNull();
            assertThat(r.bodyText()).startsWith("0{");
            sid = EngineWebSocket.sidOf(r.bodyText());
            c.reset();
        }
        // the session the request opened is still an ordinary polling session, which ends normally
        server.polling().closeSession(sid);
        server.awaitSessionGone(sid);
        server.assertServesNewClient();
    }

    @Test
    void anH2cUpgradeOnTheWebSocketTransportIsAnsweredBadRequest() throws Exception {
        try (RawClient c = server.connect()) {
            c.send(c.request(
                    "GET",
                    EngineWebSocket.PATH,
                    "Connection: Upgrade, HTTP2-Settings",
                    "Upgrade: h2c",
                    "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"));
            assertEngineError(c.readResponse(), 3, "Bad request");
            c.reset();
        }
        server.assertServesNewClient();
    }

    @Test
    void anHttp2PriorKnowledgePrefaceIsRefusedAndTheConnectionClosed() throws Exception {
        try (RawClient c = server.connect()) {
            c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
            byte[] rest = c.awaitClosed();
            String answer = new String(rest, StandardCharsets.ISO_8859_1);
            if (!answer.isEmpty()) {
                assertThat(answer).startsWith("HTTP/1.1 4");
            }
        }
        server.assertServesNewClient();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /**
     * The session is gone and a poll for it is answered "Session ID unknown". (The server closes the session on its
     * own event loop, possibly just after answering the request that killed it, so the test first waits for that.)
     */
    private static void assertSessionClosed(String sid) throws Exception {
        server.awaitSessionGone(sid);
        assertEngineError(server.polling().get(sid), 1, "Session ID unknown");
    }

    private static void assertNothingReflected(HttpReply r) {
        assertThat(r.headers()).doesNotContainKey("Set-Cookie");
        assertThat(r.headers().values())
                .allSatisfy(values -> assertThat(values).noneMatch(v -> v.contains("a.example") || v.contains("x=1")));
        assertThat(r.bodyText()).doesNotContain("x=1");
    }

    private static CompletableFuture<HttpReply> readAsync(RawClient c) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return c.readResponse();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
