package io.courier.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Well-formed Engine.IO long-polling requests through {@link HttpClient} (HTTP/1.1 only, so it never offers h2c).
 * Server pings found in a poll are answered with a {@code 3} POST.
 */
final class PollingClient implements AutoCloseable {
    private static final Duration HANG_GUARD = Duration.ofMillis(RawClient.HANG_GUARD_MILLIS);

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(HANG_GUARD)
            .build();
    private final String base;

    PollingClient(int port) {
        this.base = "http://127.0.0.1:" + port + "/socket.io/?EIO=4&transport=polling";
    }

    /** Opens a session and returns its sid. */
    String handshake() throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base)).GET());
        assertThat(r.statusCode()).as("handshake: %s", r.body()).isEqualTo(200);
        assertThat(r.body()).startsWith("0{").contains("\"upgrades\":[\"websocket\"]");
        return EngineWebSocket.sidOf(r.body());
    }

    HttpResponse<String> get(String sid) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(sid)).GET());
    }

    HttpResponse<String> post(String sid, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(sid))
                .header("Content-Type", "text/plain;charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    void postOk(String sid, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = post(sid, body);
        assertThat(r.statusCode()).as("POST %s: %s", body, r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
    }

    /** Polls until the server sends something other than pings; returns those packets. */
    List<String> poll(String sid) throws IOException, InterruptedException {
        while (true) {
            HttpResponse<String> r = get(sid);
            assertThat(r.statusCode()).as("poll: %s", r.body()).isEqualTo(200);
            List<String> packets = new ArrayList<>();
            for (String p : r.body().split("\u001e")) {
                if (p.equals("2")) {
                    postOk(sid, "3");
                } else {
                    packets.add(p);
                }
            }
            if (!packets.isEmpty()) {
                return packets;
            }
        }
    }

    /** Joins the main namespace and returns the socket id. */
    String connect(String sid) throws IOException, InterruptedException {
        postOk(sid, "40");
        List<String> packets = poll(sid);
        assertThat(packets.get(0)).startsWith("40{\"sid\":");
        return EngineWebSocket.sidOf(packets.get(0));
    }

    void assertEchoRoundTrip(String sid) throws IOException, InterruptedException {
        postOk(sid, "421[\"echo\",\"over polling\"]");
        assertThat(poll(sid)).containsExactly("431[\"over polling\"]");
    }

    /** Ends the session as a client does: a close packet, then the poll that collects the server's answer. */
    void closeSession(String sid) throws IOException, InterruptedException {
        postOk(sid, "1");
        awaitCloseAnswer(sid);
    }

    private void awaitCloseAnswer(String sid) throws IOException, InterruptedException {
        // a ping queued before the close may still come first; the session answers noop (or is already gone)
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = get(sid);
            if (r.statusCode() != 200 || r.body().equals("6")) {
                assertThat(r.statusCode()).isIn(200, 400);
                return;
            }
        }
        throw new AssertionError("session " + sid + " still answers polls after its close packet");
    }

    /** Ends the session if it still exists (for tests after which the server may or may not have closed it). */
    void closeIfOpen(String sid) throws IOException, InterruptedException {
        if (post(sid, "1").statusCode() == 200) {
            awaitCloseAnswer(sid);
        }
    }

    @Override
    public void close() {
        http.close();
    }

    private URI uri(String sid) {
        return URI.create(base + "&sid=" + sid);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(HANG_GUARD).build(), HttpResponse.BodyHandlers.ofString());
    }
}
