package io.courier.client;

import static io.courier.client.CourierClientTest.next;
import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Socket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connection state recovery against an embedded Courier with recovery on: the client keeps the {@code pid} and the last
 * offset, sends them in its CONNECT, gets its socket id back with {@code recovered()} true, and receives the events
 * emitted while it was away, once, before its connect listeners run.
 */
class RecoveryTest {
    @ParameterizedTest
    @ValueSource(strings = {"websocket", "polling"})
    void recoversTheSessionAndTheMissedEvents(String transport) throws Exception {
        try (TestServer server = new TestServer(
                        c -> c.connectionStateRecovery(r -> r.maxDisconnectionDuration(Duration.ofMinutes(1))));
                CourierClient client = CourierClient.builder(server.url())
                        .transports(transport)
                        .reconnection(false) // the test reconnects by hand, after the server emitted
                        .build()) {
            ClientSocket socket = client.socket();
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            socket.on(
                    "tick",
                    (args, ack) -> events.add("tick:" + args.node(0).asInt() + " offset:"
                            + (args.size() == 2 && args.getString(1) != null)));
            socket.onConnect(() -> events.add("connect recovered=" + socket.recovered()));
            socket.onDisconnect(reason -> events.add("disconnect:" + reason));
            socket.connect();
            assertThat(next(events)).isEqualTo("connect recovered=false");
            Socket first = next(server.sockets);
            String id = socket.id();

            first.emit("tick", 1);
            assertThat(next(events)).isEqualTo("tick:1 offset:true");

            server.io.closeConnection(first.connectionId());
            assertThat(next(events)).isEqualTo("disconnect:transport close");
            next(server.disconnects); // the server saved the session
            server.io.to(id).emit("tick", 2);
            server.io.to(id).emit("tick", 3);

            socket.connect();
            assertThat(next(events)).isEqualTo("tick:2 offset:true");
            assertThat(next(events)).isEqualTo("tick:3 offset:true");
            assertThat(next(events)).isEqualTo("connect recovered=true");
            assertThat(socket.id()).isEqualTo(id);
            Socket second = next(server.sockets);
            assertThat(second.recovered()).isTrue();

            // and once more from the new offset: only what came after tick 3
            second.emit("tick", 4);
            assertThat(next(events)).isEqualTo("tick:4 offset:true");
            server.io.closeConnection(second.connectionId());
            assertThat(next(events)).isEqualTo("disconnect:transport close");
            next(server.disconnects);
            server.io.to(id).emit("tick", 5);
            socket.connect();
            assertThat(next(events)).isEqualTo("tick:5 offset:true");
            assertThat(next(events)).isEqualTo("connect recovered=true");
            assertThat(events).isEmpty();
        }
    }
}
