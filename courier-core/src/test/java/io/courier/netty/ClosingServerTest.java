package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A closed Courier opens no session: a connection kept open across the close (a load balancer's, or the embedding
 * server's when Courier is attached) gets 503 for a handshake, polling or WebSocket, and is closed, so the client opens
 * its session on a node that stays instead of on one that is going away.
 */
class ClosingServerTest {
    private static final String POLLING = "/socket.io/?EIO=4&transport=polling";
    private static final String WEBSOCKET = "/socket.io/?EIO=4&transport=websocket";

    private Courier io;
    private CourierHttpServer http;

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
        if (io != null) {
            io.close();
        }
    }

    private int start() {
        io = Courier.create(c -> {});
        http = new CourierHttpServer("127.0.0.1", 0, 1);
        io.attach(http);
        http.start();
        return http.port();
    }

    @ParameterizedTest(name = "{0} handshake")
    @ValueSource(strings = {"polling", "websocket"})
    void aHandshakeOnAConnectionKeptOpenAcrossTheCloseIsRefusedAndTheConnectionClosed(String transport)
            throws Exception {
        int port = start();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            send(s, "GET " + POLLING + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readOne(s.getInputStream())).startsWith("HTTP/1.1 200").contains("\"sid\":");
            assertThat(io.engine().stats().sessionsOpened()).isEqualTo(1);

            io.close();

            send(
                    s,
                    transport.equals("polling")
                            ? "GET " + POLLING + " HTTP/1.1\r\nHost: x\r\n\r\n"
                            : "GET " + WEBSOCKET + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                    + "Sec-WebSocket-Version: 13\r\n\r\n");
            String refused = readToEnd(s.getInputStream()); // returns once the server closed the connection
            assertThat(refused).startsWith("HTTP/1.1 503");
            assertThat(refused.toLowerCase(Locale.ROOT)).contains("connection: close");
            assertThat(io.engine().stats().sessionsOpened())
                    .as("sessions opened")
                    .isEqualTo(1);
        }
    }

    private static void send(Socket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** One response of a kept-open connection: its head and a body of Content-Length bytes. */
    private static String readOne(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b)
                    .as("the connection closed in the middle of a response head")
                    .isNotNegative();
            head.write(b);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(
                        line.substring("content-length:".length()).trim());
            }
        }
        return h + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.ISO_8859_1);
    }
}
