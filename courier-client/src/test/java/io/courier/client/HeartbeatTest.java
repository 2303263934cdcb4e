package io.courier.client;

import static io.courier.client.CourierClientTest.next;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server that hangs (no byte passes, the connection stays open) is detected by the missing pings: the client
 * disconnects with "ping timeout" after pingInterval + pingTimeout (the server's 1 + 2 s) and reconnects once the
 * server answers again.
 */
class HeartbeatTest {
    @ParameterizedTest
    @ValueSource(strings = {"websocket", "polling"})
    void aHungServerIsDetectedByItsMissingPings(String transport) throws Exception {
        try (TestServer server = new TestServer();
                FreezableProxy proxy = new FreezableProxy(server.io.port());
                CourierClient client = CourierClient.builder("http://127.0.0.1:" + proxy.port())
                        .transports(transport)
                        .reconnectionDelay(Duration.ofMillis(50))
                        .reconnectionDelayMax(Duration.ofMillis(100))
                        .build()) {
            ClientSocket socket = client.socket();
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            socket.onConnect(() -> events.add("connect"));
            socket.onDisconnect(reason -> events.add("disconnect:" + reason));
            socket.connect();
            assertThat(next(events)).isEqualTo("connect");
            String id = socket.id();
            proxy.freeze(true);
            assertThat(next(events)).isEqualTo("disconnect:ping timeout");
            proxy.freeze(false);
            assertThat(next(events)).isEqualTo("connect");
            assertThat(socket.id()).isNotEqualTo(id);
        }
    }
}
