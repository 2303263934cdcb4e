package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Slow or silent HTTP clients (slowloris) lose their connection after the idle timeout. */
class IdleConnectionTest {
    private Courier io;
    private CourierHttpServer http;

    @BeforeEach
    void start() {
        io = Courier.create(c -> c.host("127.0.0.1").port(0));
        http = new CourierHttpServer("127.0.0.1", 0, 1).idleTimeout(Duration.ofMillis(300));
        io.attach(http);
        http.start();
    }

    @AfterEach
    void stop() {
        http.close();
        io.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", http.port());
        s.setSoTimeout(10_000); // hang guard only
        return s;
    }

    /** Reads until the server closes the connection; returns what it sent. */
    private static String readToClose(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aConnectionThatSendsNothingIsClosed() throws IOException {
        try (Socket s = connect()) {
            assertThat(readToClose(s)).isEmpty();
        }
        assertServesANormalClient();
    }

    @Test
    void aTrickledRequestHeadIsClosed() throws IOException {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readToClose(s)).isEmpty();
        }
        assertServesANormalClient();
    }

    @Test
    void aPostWhoseBodyStallsIsClosedAndTheSessionCanPostAgain() throws IOException {
        String sid = handshake();
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /socket.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\n"
                            + "Content-Length: 100\r\n\r\n4abc")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readToClose(s)).isEmpty();
        }
        // the stalled POST no longer counts as in flight: the session accepts the next one
        assertThat(request("POST /socket.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Length: 2\r\nConnection: close\r\n\r\n40"))
                .startsWith("HTTP/1.1 200")
                .endsWith("ok");
    }

    @Test
    void aKeepAliveConnectionServesRequestsAndIsClosedOnceIdle() throws IOException {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readToClose(s)).startsWith("HTTP/1.1 200").contains("0{\"sid\":\"");
        }
    }

    private void assertServesANormalClient() throws IOException {
        assertThat(handshake()).isNotEmpty();
    }

    private String handshake() throws IOException {
        String response =
                request("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200");
        int start = response.indexOf("{\"sid\":\"") + 8;
        return response.substring(start, response.indexOf('"', start));
    }

    private String request(String raw) throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(raw.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return readToClose(s);
        }
    }
}
