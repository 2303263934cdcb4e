package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Socket.IO client that writes packets by hand ({@code 421["order",{}]}) over the JDK's WebSocket client on
 * loopback, for what stock clients never do, such as sending one ack id twice. Server pings are answered.
 */
final class WireClient implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 10;

    private final HttpClient http = HttpClient.newHttpClient();
    private final BlockingQueue<String> packets = new LinkedBlockingQueue<>();
    private final WebSocket ws;

    private WireClient(int port) throws Exception {
        ws = http.newWebSocketBuilder()
                .buildAsync(
                        URI.create("ws://127.0.0.1:" + port + "/socket.io/?EIO=4&transport=websocket"), new Listener())
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(next()).as("Engine.IO open packet").startsWith("0{");
    }

    /** Opens an Engine.IO session over WebSocket; no namespace joined yet. */
    static WireClient open(int port) throws Exception {
        return new WireClient(port);
    }

    /** Sends a CONNECT to the main namespace with {@code auth} (JSON, or empty) and returns the CONNECT reply. */
    String connect(String auth) throws Exception {
        send("40" + auth);
        String reply = next();
        assertThat(reply).as("CONNECT reply").startsWith("40{\"sid\":");
        return reply;
    }

    WireClient send(String packet) throws Exception {
        ws.sendText(packet, true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return this;
    }

    /** The next packet from the server other than a ping. */
    String next() throws Exception {
        while (true) {
            String p = packets.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(p)
                    .as("a packet from the server within %s s", TIMEOUT_SECONDS)
                    .isNotNull();
            if (p.equals("2")) {
                send("3");
                continue;
            }
            return p;
        }
    }

    /** Closes the WebSocket from the client side (the server sees "transport close"). */
    @Override
    public void close() {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            // already closed by the server
        } finally {
            http.shutdownNow();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                packets.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return CompletableFuture.completedFuture(null);
        }
    }
}
