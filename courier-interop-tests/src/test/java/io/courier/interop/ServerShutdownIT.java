package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import io.socket.client.IO;
import io.socket.client.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A server shutting down ends its WebSockets so that the official Java client ({@code io.socket:socket.io-client}
 * 2.1.2, on OkHttp) notices at once and reconnects, to another node in a rolling restart: after a close frame it
 * stops reading and never answers (no {@code onClosing}), so it would notice only at its ping timeout. The server's
 * ping timeout here is longer than the wait, so only the end of the stream can tell the client.
 */
class ServerShutdownIT {
    @Test
    void theOfficialJavaClientNoticesAShutdownWithoutWaitingForItsPingTimeout() throws Exception {
        Courier io = Courier.create(c ->
                c.host("127.0.0.1").port(0).pingInterval(Duration.ofMinutes(2)).pingTimeout(Duration.ofMinutes(2)));
        Socket socket = null;
        try {
            io.start();
            socket = IO.socket(
                    URI.create("http://127.0.0.1:" + io.port()),
                    IO.Options.builder()
                            .setForceNew(true)
                            .setReconnection(false)
                            .setTransports(new String[] {"websocket"})
                            .build());
            CompletableFuture<Object> connected = new CompletableFuture<>();
            CompletableFuture<Object> disconnected = new CompletableFuture<>();
            socket.on(Socket.EVENT_CONNECT, args -> connected.complete(true));
            socket.on(Socket.EVENT_DISCONNECT, args -> disconnected.complete(args[0]));
            socket.connect();
            connected.get(10, TimeUnit.SECONDS);

            io.close();

            // a hang guard far below the client's ping timeout (4 minutes): how soon is not asserted
            assertThat(disconnected.get(60, TimeUnit.SECONDS)).isEqualTo("transport error");
        } finally {
            if (socket != null) {
                socket.close();
            }
            io.close();
        }
    }
}
