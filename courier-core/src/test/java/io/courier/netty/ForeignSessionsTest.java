package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Courier;
import io.courier.engine.EngineIoConfig;
import io.courier.engine.EngineIoServer;
import io.courier.http.ForeignSessions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Polling requests for another node's sid go to {@link ForeignSessions#forward} and the client gets the owner's answer
 * as it is; the node's own sids carry its id; what is not forwarded is answered as before.
 */
class ForeignSessionsTest {
    private static final String OTHER_SID = "Bbbbb2" + "x".repeat(22);

    private Courier io;
    private final Forwarder forwarder = new Forwarder();

    /** A ForeignSessions whose "owner" is the test: it records each request and answers with {@link #answer}. */
    private static final class Forwarder implements ForeignSessions {
        final BlockingQueue<String> owners = new LinkedBlockingQueue<>();
        final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
        final BlockingQueue<CompletableFuture<Reply>> replies = new LinkedBlockingQueue<>();
        volatile Function<Request, CompletableFuture<Reply>> answer;
        volatile InetSocketAddress listening;

        @Override
        public String nodeId() {
            return "Aaaaa1";
        }

        @Override
        public CompletableFuture<Reply> forward(String owner, Request request) {
            owners.add(owner);
            requests.add(request);
            CompletableFuture<Reply> reply = answer.apply(request);
            replies.add(reply);
            return reply;
        }

        @Override
        public void listening(InetSocketAddress address) {
            listening = address;
        }
    }

    private int start() {
        io = Courier.create(c -> c.host("127.0.0.1")
                .port(0)
                .maxHttpBufferSize(100)
                .cors(CorsPolicy.origins(List.of("http://app.example"), true))
                .foreignSessions(forwarder));
        io.start();
        return io.port();
    }

    @AfterEach
    void stop() {
        if (io != null) {
            io.close();
        }
    }

    @Test
    void theNodesOwnSidsStartWithItsIdAndASingleNodeKeepsPlainOnes() throws Exception {
        int port = start();
        assertThat(forwarder.listening.getPort()).isEqualTo(port);
        String sid = sidOf(send(port, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertThat(sid).hasSize(28).startsWith("Aaaaa1");
        assertThat(EngineIoServer.ownerOf(sid)).isEqualTo("Aaaaa1");
        // its own session is served here, never forwarded
        String poll = send(
                port,
                "POST /socket.io/?EIO=4&transport=polling&sid=" + sid
                        + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n6");
        assertThat(poll).startsWith("HTTP/1.1 200 OK").endsWith("ok");
        assertThat(forwarder.requests).isEmpty();

        try (Courier single = Courier.create(c -> c.host("127.0.0.1").port(0))) {
            single.start();
            String plain =
                    sidOf(send(single.port(), "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertThat(plain).hasSize(22);
            assertThat(EngineIoServer.ownerOf(plain)).isNull();
        }
    }

    @Test
    void aPollForAnotherNodesSidIsAnsweredWithTheOwnersAnswerAsItIs() throws Exception {
        int port = start();
        forwarder.answer = request -> CompletableFuture.completedFuture(new ForeignSessions.Reply(
                200,
                List.of(
                        header("Content-Type", "text/plain; charset=UTF-8"),
                        header("Access-Control-Allow-Origin", "http://app.example"),
                        header("Vary", "Origin"),
                        header("X-Owner", "yes"),
                        header("Connection", "close"),
                        header("Content-Length", "999")),
                "4hello".getBytes(StandardCharsets.UTF_8)));
        String r = send(
                port,
                "POST /socket.io/?EIO=4&transport=polling&sid=" + OTHER_SID + " HTTP/1.1\r\nHost: lb.example\r\n"
                        + "Origin: http://app.example\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
                        + "Content-Length: 6\r\n\r\n4hello");

        assertThat(forwarder.owners.poll(5, TimeUnit.SECONDS)).isEqualTo("Bbbbb2");
        ForeignSessions.Request sent = forwarder.requests.poll();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.uri()).isEqualTo("/socket.io/?EIO=4&transport=polling&sid=" + OTHER_SID);
        assertThat(new String(sent.body(), StandardCharsets.UTF_8)).isEqualTo("4hello");
        assertThat(sent.headers())
                .containsExactly(
                        header("Host", "lb.example"),
                        header("Origin", "http://app.example"),
                        header(ForeignSessions.FORWARDED_HEADER, "Aaaaa1"));
        // pingInterval + pingTimeout of the defaults, and more
        assertThat(sent.timeout()).isGreaterThan(java.time.Duration.ofSeconds(45));

        assertThat(r).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n4hello");
        assertThat(r)
                .contains("\r\nAccess-Control-Allow-Origin: http://app.example\r\nVary: Origin\r\nX-Owner: yes\r\n")
                .contains("\r\ncontent-length: 6\r\n")
                .doesNotContain("999")
                .doesNotContainIgnoringCase("connection: close");
    }

    @Test
    void aGoneOwnerIsAnUnknownSidAndARefusedForwardIsUnavailable() throws Exception {
        int port = start();
        String get = "GET /socket.io/?EIO=4&transport=polling&sid=" + OTHER_SID
                + " HTTP/1.1\r\nHost: x\r\nOrigin: http://app.example\r\n\r\n";
        forwarder.answer = request -> CompletableFuture.completedFuture(null);
        String gone = send(port, get);
        assertThat(gone)
                .startsWith("HTTP/1.1 400 Bad Request")
                .endsWith("{\"code\":1,\"message\":\"Session ID unknown\"}");
        assertThat(gone).contains("access-control-allow-origin: http://app.example");

        forwarder.answer = request -> CompletableFuture.failedFuture(
                new java.util.concurrent.RejectedExecutionException("too many forwards in flight"));
        String refused = send(port, get);
        assertThat(refused)
                .startsWith("HTTP/1.1 503 Service Unavailable")
                .contains("access-control-allow-origin: http://app.example");
    }

    @Test
    void forwardedRequestsUpgradesAndOversizedBodiesAreNotForwarded() throws Exception {
        int port = start();
        forwarder.answer = request -> CompletableFuture.completedFuture(null);
        String twice = send(
                port,
                "GET /socket.io/?EIO=4&transport=polling&sid=" + OTHER_SID + " HTTP/1.1\r\nHost: x\r\n"
                        + ForeignSessions.FORWARDED_HEADER + ": Cccccc\r\n\r\n");
        assertThat(twice).startsWith("HTTP/1.1 400").endsWith("\"Session ID unknown\"}");

        String upgrade = send(
                port,
                "GET /socket.io/?EIO=4&transport=websocket&sid=" + OTHER_SID + " HTTP/1.1\r\nHost: x\r\n"
                        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertThat(upgrade).startsWith("HTTP/1.1 400").endsWith("\"Session ID unknown\"}");

        String large = send(
                port,
                "POST /socket.io/?EIO=4&transport=polling&sid=" + OTHER_SID
                        + " HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n" + "4".repeat(101));
        assertThat(large).startsWith("HTTP/1.1 413");
        String chunked = send(
                port,
                "POST /socket.io/?EIO=4&transport=polling&sid=" + OTHER_SID
                        + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "32\r\n" + "4".repeat(50) + "\r\n33\r\n" + "4".repeat(51) + "\r\n0\r\n\r\n");
        assertThat(chunked).startsWith("HTTP/1.1 413");
        // a sid of no node at all
        String garbage = send(
                port, "GET /socket.io/?EIO=4&transport=polling&sid=" + "!".repeat(28) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(garbage).startsWith("HTTP/1.1 400").endsWith("\"Session ID unknown\"}");
        assertThat(forwarder.requests).isEmpty();
    }

    @Test
    void aClientThatGoesAwayCancelsItsForward() throws Exception {
        int port = start();
        forwarder.answer = request -> new CompletableFuture<>();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream()
                    .write(("GET /socket.io/?EIO=4&transport=polling&sid=" + OTHER_SID + " HTTP/1.1\r\nHost: x\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            CompletableFuture<ForeignSessions.Reply> reply = forwarder.replies.poll(5, TimeUnit.SECONDS);
            assertThat(reply).isNotNull();
            s.close();
            assertThatThrownBy(() -> reply.get(5, TimeUnit.SECONDS))
                    .isInstanceOf(java.util.concurrent.CancellationException.class);
        }
    }

    @Test
    void aNodeIdMustBeSixLettersOrDigits() {
        assertThatThrownBy(() -> new EngineIoServer(EngineIoConfig.defaults(), s -> null, "ab-123"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nodeId : ab-123 (expected: 6 characters of [A-Za-z0-9])");
    }

    private static Map.Entry<String, String> header(String name, String value) {
        return new AbstractMap.SimpleImmutableEntry<>(name, value);
    }

    private static String sidOf(String handshake) {
        int i = handshake.indexOf("\"sid\":\"") + 7;
        return handshake.substring(i, handshake.indexOf('"', i));
    }

    /** One request on its own connection, closed by us after it; the whole response. */
    private static String send(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            // read the head, then exactly content-length bytes
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                all.write(buf, 0, n);
                String text = all.toString(StandardCharsets.ISO_8859_1);
                int end = text.indexOf("\r\n\r\n");
                if (end >= 0) {
                    String head = text.substring(0, end).toLowerCase(java.util.Locale.ROOT);
                    int cl = head.indexOf("content-length: ");
                    if (cl >= 0) {
                        int len = Integer.parseInt(head.substring(
                                        cl + 16,
                                        head.indexOf("\r\n", cl) < 0 ? head.length() : head.indexOf("\r\n", cl))
                                .trim());
                        if (text.length() - end - 4 >= len) {
                            break;
                        }
                    }
                }
            }
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
