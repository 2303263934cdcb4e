package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.courier.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The client against an embedded Courier: transports, acks both ways, binary both ways, namespaces, disconnects. */
class CourierClientTest {
    private TestServer server;

    @BeforeEach
    void start() {
        server = new TestServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static <T> T next(BlockingQueue<T> q) throws InterruptedException {
        T v = q.poll(20, TimeUnit.SECONDS);
        assertThat(v).as("nothing arrived within 20 s").isNotNull();
        return v;
    }

    private CourierClient client(String transports) {
        CourierClient.Builder b = CourierClient.builder(server.url());
        if (!transports.equals("default")) {
            b.transports(transports.split(","));
        }
        return b.build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "polling", "default"})
    void emitsAndAcksBothWaysWithBinary(String transports) throws Exception {
        try (CourierClient client = client(transports)) {
            ClientSocket socket = client.socket();
            BlockingQueue<Args> back = new LinkedBlockingQueue<>();
            BlockingQueue<Args> ackReceived = new LinkedBlockingQueue<>();
            BlockingQueue<String> connects = new LinkedBlockingQueue<>();
            BlockingQueue<String> any = new LinkedBlockingQueue<>();
            socket.onAny((event, args, ack) -> any.add(event));
            socket.on("message-back", (args, ack) -> back.add(args));
            socket.on("ack-received", (args, ack) -> ackReceived.add(args));
            socket.on("please-ack", (args, ack) -> {
                assertThat(ack.requested()).isTrue();
                ack.reply("got", args.node(0).asInt() + 1, new byte[] {9, 8});
            });
            socket.onConnect(() -> connects.add(socket.id()));
            socket.connect();
            assertThat(next(connects)).isNotBlank();
            Socket serverSide = next(server.sockets);
            assertThat(serverSide.id()).isEqualTo(socket.id());

            // client -> server ack, with binary at the top level and nested
            Args reply = socket.emitWithAck(
                            "echo", "hi", 42, new byte[] {1, 2, 3}, Map.of("blob", ByteBuffer.wrap(new byte[] {4})))
                    .get(20, TimeUnit.SECONDS);
            assertThat(reply.getString(0)).isEqualTo("hi");
            assertThat(reply.node(1).asInt()).isEqualTo(42);
            assertThat(reply.getBytes(2)).containsExactly(1, 2, 3);
            assertThat(reply.node(3).get("blob").binaryValue()).containsExactly(4);

            // server -> client events, binary included
            socket.emit("message", "plain", new byte[] {7});
            Args m = next(back);
            assertThat(m.getString(0)).isEqualTo("plain");
            assertThat(m.getBytes(1)).containsExactly(7);
            assertThat(any.poll()).as("onAny runs before the event's listeners").isEqualTo("message-back");

            // server -> client ack
            socket.emit("request-ack", 41);
            Args acked = next(ackReceived);
            assertThat(acked.getString(0)).isEqualTo("got");
            assertThat(acked.node(1).asInt()).isEqualTo(42);
            assertThat(acked.getBytes(2)).containsExactly(9, 8);
        }
    }

    @Test
    void upgradesFromPollingToWebSocketWithoutLosingOrReorderingEvents() throws Exception {
        try (CourierClient client = client("default")) {
            ClientSocket socket = client.socket();
            BlockingQueue<Integer> back = new LinkedBlockingQueue<>();
            socket.on("message-back", (args, ack) -> back.add(args.node(0).asInt()));
            socket.connect();
            Socket serverSide = next(server.sockets);
            int n = 0;
            // emit while the upgrade happens, until the server reports the switch
            while (!"websocket".equals(serverSide.transport()) || !"websocket".equals(client.transport())) {
                socket.emit("message", n++);
                assertThat(next(back)).isEqualTo(n - 1);
                assertThat(n).as("still no upgrade").isLessThan(100_000);
            }
            for (int i = 0; i < 50; i++) {
                socket.emit("message", n++);
            }
            for (int i = n - 50; i < n; i++) {
                assertThat(next(back)).isEqualTo(i);
            }
        }
    }

    @Test
    void namespacesShareOneConnectionWithTheirOwnAuth() throws Exception {
        try (CourierClient client = CourierClient.builder(server.url())
                .transports("websocket")
                .auth(Map.of("clientId", "c1"))
                .build()) {
            BlockingQueue<JsonNode> auths = new LinkedBlockingQueue<>();
            BlockingQueue<ConnectError> errors = new LinkedBlockingQueue<>();
            client.socket("/admin")
                    .on("auth", (args, ack) -> auths.add(args.node(0)))
                    .connect();
            client.socket("/private", Map.of("token", "secret"))
                    .on("auth", (args, ack) -> auths.add(args.node(0)))
                    .connect();
            assertThat(List.of(next(auths), next(auths)))
                    .extracting(n -> n.toString())
                    .containsExactlyInAnyOrder("{\"clientId\":\"c1\"}", "{\"token\":\"secret\"}");

            ClientSocket refused = client.socket("/private2");
            refused.onConnectError(errors::add).connect();
            ConnectError unknown = next(errors);
            assertThat(unknown.refusedByServer()).isTrue();
            assertThat(unknown.getMessage()).isEqualTo("Invalid namespace");

            try (CourierClient other =
                    CourierClient.builder(server.url()).transports("websocket").build()) {
                other.socket("/private", Map.of("token", "wrong"))
                        .onConnectError(errors::add)
                        .connect();
                ConnectError e = next(errors);
                assertThat(e.getMessage()).isEqualTo("unauthorized");
                assertThat(e.data().path("reason").asText()).isEqualTo("invalid token");
            }
            // the refusals did not disturb the connected namespaces
            assertThat(client.socket("/admin").connected()).isTrue();
            assertThat(client.socket("/private").connected()).isTrue();
        }
    }

    @Test
    void serverDisconnectIsFinalAndClientDisconnectTellsTheServer() throws Exception {
        try (CourierClient client = client("websocket")) {
            ClientSocket socket = client.socket();
            BlockingQueue<String> reasons = new LinkedBlockingQueue<>();
            socket.onDisconnect(reasons::add);
            socket.connect();
            next(server.sockets);
            socket.emit("disconnect-me");
            assertThat(next(reasons)).isEqualTo("io server disconnect");
            assertThat(next(server.disconnects)).isEqualTo("server namespace disconnect");
            // manual connect again, then leave
            BlockingQueue<String> connects = new LinkedBlockingQueue<>();
            socket.onConnect(() -> connects.add("connected"));
            socket.connect();
            next(connects);
            next(server.sockets);
            socket.disconnect();
            assertThat(next(reasons)).isEqualTo("io client disconnect");
            assertThat(next(server.disconnects)).isEqualTo("client namespace disconnect");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "polling"})
    void reconnectsAfterTheServerDropsTheConnectionAndSendsWhatWasBuffered(String transport) throws Exception {
        try (CourierClient client = CourierClient.builder(server.url())
                .transports(transport)
                .reconnectionDelay(java.time.Duration.ofMillis(50))
                .reconnectionDelayMax(java.time.Duration.ofMillis(200))
                .build()) {
            ClientSocket socket = client.socket();
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            socket.onConnect(() -> events.add("connect"));
            socket.onDisconnect(reason -> events.add("disconnect:" + reason));
            socket.on("message-back", (args, ack) -> events.add("back:" + args.getString(0)));
            BlockingQueue<Integer> reconnects = new LinkedBlockingQueue<>();
            client.onReconnect(reconnects::add);
            socket.connect();
            assertThat(next(events)).isEqualTo("connect");
            Socket first = next(server.sockets);
            String firstId = socket.id();
            server.io.closeConnection(first.connectionId());
            assertThat(next(events)).isEqualTo("disconnect:transport close");
            socket.emit("message", "buffered"); // while disconnected (or already reconnected: either way sent once)
            assertThat(next(events)).isEqualTo("connect");
            assertThat(next(reconnects)).isGreaterThanOrEqualTo(1);
            assertThat(next(events)).isEqualTo("back:buffered");
            assertThat(socket.id()).isNotEqualTo(firstId);
            assertThat(socket.recovered()).isFalse();
        }
    }

    @Test
    void ackTimeoutFailsTheFutureAndALateAckIsIgnored() throws Exception {
        server.io.onConnection(s -> s.on("slow", (args, ack) -> {
            // never answers
        }));
        try (CourierClient client = client("websocket")) {
            ClientSocket socket = client.socket().connect();
            var f = socket.timeout(java.time.Duration.ofMillis(200)).emitWithAck("slow");
            assertThat(f)
                    .failsWithin(20, TimeUnit.SECONDS)
                    .withThrowableThat()
                    .havingCause()
                    .isInstanceOf(AckTimeoutException.class);
            // the connection is still fine
            assertThat(socket.emitWithAck("echo", 1)
                            .get(20, TimeUnit.SECONDS)
                            .node(0)
                            .asInt())
                    .isEqualTo(1);
        }
    }

    @Test
    void theSendBufferIsBounded() {
        try (CourierClient client =
                CourierClient.builder(server.url()).maxBufferedPackets(3).build()) {
            ClientSocket socket = client.socket(); // never connected: everything waits
            socket.emit("a");
            socket.emit("b");
            socket.emit("c");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> socket.emit("d"))
                    .isInstanceOf(SendBufferFullException.class);
        }
    }
}
