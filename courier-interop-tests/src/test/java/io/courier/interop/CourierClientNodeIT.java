package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.client.Args;
import io.courier.client.ClientSocket;
import io.courier.client.ConnectError;
import io.courier.client.CourierClient;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * courier-client against the reference implementation: the npm {@code socket.io} 4.8 server
 * ({@code src/test/js/java-client-peer.js}) under Node. Transports and the upgrade, acks and binary both ways,
 * namespaces with auth and refusals, reconnection after the server closes the connection, connection state
 * recovery (which the official Java client does not have), and TLS.
 */
class CourierClientNodeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The Node server, stopped by closing its stdin and, if need be, by its PID. */
    static final class NodeServer implements AutoCloseable {
        final Process process;
        final int port;

        NodeServer(String... flags) throws Exception {
            Path dir = Path.of("src/test/js");
            if (!Files.isDirectory(dir.resolve("node_modules/socket.io"))) {
                throw new IllegalStateException("npm packages missing in " + dir.toAbsolutePath()
                        + ": run ./courier test (it runs npm ci there) or npm ci in that folder");
            }
            List<String> command = new java.util.ArrayList<>(List.of("node", "java-client-peer.js"));
            command.addAll(List.of(flags));
            process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                        try {
                            return out.readLine();
                        } catch (IOException e) {
                            return null;
                        }
                    })
                    .get(60, TimeUnit.SECONDS);
            if (line == null) {
                process.destroyForcibly();
                throw new IllegalStateException("java-client-peer.js exited before listening");
            }
            port = JSON.readTree(line).get("port").asInt();
        }

        String url() {
            return "http://127.0.0.1:" + port;
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    static <T> T next(BlockingQueue<T> q) throws InterruptedException {
        T v = q.poll(20, TimeUnit.SECONDS);
        assertThat(v).as("nothing arrived within 20 s").isNotNull();
        return v;
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "polling", "polling,websocket"})
    void acksAndBinaryBothWaysOnEveryTransport(String transports) throws Exception {
        try (NodeServer node = new NodeServer();
                CourierClient client = CourierClient.builder(node.url())
                        .transports(transports.split(","))
                        .build()) {
            ClientSocket socket = client.socket();
            BlockingQueue<Args> back = new LinkedBlockingQueue<>();
            BlockingQueue<Args> ackReceived = new LinkedBlockingQueue<>();
            socket.on("message-back", (args, ack) -> back.add(args));
            socket.on("ack-received", (args, ack) -> ackReceived.add(args));
            socket.on("please-ack", (args, ack) -> ack.reply("got", args.node(0).asInt() + 1, new byte[] {9, 8}));
            socket.connect();

            Args reply = socket.emitWithAck(
                            "echo", "hi", 42, new byte[] {1, 2, 3}, Map.of("blob", ByteBuffer.wrap(new byte[] {4})))
                    .get(20, TimeUnit.SECONDS);
            assertThat(reply.getString(0)).isEqualTo("hi");
            assertThat(reply.node(1).asInt()).isEqualTo(42);
            assertThat(reply.getBytes(2)).containsExactly(1, 2, 3);
            assertThat(reply.node(3).get("blob").binaryValue()).containsExactly(4);

            socket.emit("message", "plain", new byte[] {7});
            Args m = next(back);
            assertThat(m.getString(0)).isEqualTo("plain");
            assertThat(m.getBytes(1)).containsExactly(7);

            socket.emit("request-ack", 41);
            Args acked = next(ackReceived);
            assertThat(acked.getString(0)).isEqualTo("got");
            assertThat(acked.node(1).asInt()).isEqualTo(42);
            assertThat(acked.getBytes(2)).containsExactly(9, 8);

            if (transports.contains(",")) {
                // the default: started on polling, upgrades; events keep their order through the switch
                int n = 0;
                while (!"websocket".equals(client.transport())) {
                    socket.emit("message", n++);
                    assertThat(next(back).node(0).asInt()).isEqualTo(n - 1);
                    assertThat(n).as("still no upgrade").isLessThan(100_000);
                }
            } else {
                assertThat(client.transport()).isEqualTo(transports);
            }
        }
    }

    @Test
    void namespacesWithAuthAndRefusals() throws Exception {
        try (NodeServer node = new NodeServer();
                CourierClient client = CourierClient.builder(node.url())
                        .auth(Map.of("token", "abc"))
                        .build()) {
            BlockingQueue<JsonNode> auths = new LinkedBlockingQueue<>();
            BlockingQueue<ConnectError> errors = new LinkedBlockingQueue<>();
            client.socket("/custom")
                    .on("auth", (args, ack) -> auths.add(args.node(0)))
                    .connect();
            assertThat(next(auths).toString()).isEqualTo("{\"token\":\"abc\"}");
            client.socket("/private", Map.of("token", "secret"))
                    .on("auth", (args, ack) -> auths.add(args.node(0)))
                    .connect();
            assertThat(next(auths).toString()).isEqualTo("{\"token\":\"secret\"}");

            client.socket("/private-too", Map.of()).onConnectError(errors::add).connect();
            assertThat(next(errors).getMessage()).isEqualTo("Invalid namespace");
            try (CourierClient other = CourierClient.builder(node.url()).build()) {
                other.socket("/private", Map.of("token", "nope"))
                        .onConnectError(errors::add)
                        .connect();
                ConnectError e = next(errors);
                assertThat(e.refusedByServer()).isTrue();
                assertThat(e.getMessage()).isEqualTo("unauthorized");
                assertThat(e.data().path("reason").asText()).isEqualTo("invalid token");
            }
            // all of it over one connection, which the refusals did not end
            assertThat(client.socket("/custom").connected()).isTrue();
            assertThat(client.socket("/private").connected()).isTrue();
        }
    }

    @Test
    void reconnectsAfterTheServerClosesTheConnection() throws Exception {
        try (NodeServer node = new NodeServer();
                CourierClient client = CourierClient.builder(node.url())
                        .reconnectionDelay(Duration.ofMillis(50))
                        .reconnectionDelayMax(Duration.ofMillis(200))
                        .build()) {
            ClientSocket socket = client.socket();
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            socket.onConnect(() -> events.add("connect"));
            socket.onDisconnect(reason -> events.add("disconnect:" + reason));
            socket.on("message-back", (args, ack) -> events.add("back:" + args.getString(0)));
            socket.connect();
            assertThat(next(events)).isEqualTo("connect");
            String firstId = socket.id();
            socket.emit("drop-me");
            assertThat(next(events)).isEqualTo("disconnect:transport close");
            socket.emit("message", "after");
            assertThat(next(events)).isEqualTo("connect");
            assertThat(next(events)).isEqualTo("back:after");
            assertThat(socket.id()).isNotEqualTo(firstId);
            assertThat(socket.recovered()).isFalse();

            socket.emit("disconnect-me");
            assertThat(next(events)).isEqualTo("disconnect:io server disconnect");
            assertThat(socket.connected()).isFalse();
        }
    }

    @Test
    void recoversTheSessionAndTheMissedEventsFromSocketIo() throws Exception {
        try (NodeServer node = new NodeServer("--recovery");
                CourierClient client = CourierClient.builder(node.url())
                        .transports("websocket")
                        .reconnection(false) // reconnects by hand, once the missed events were emitted
                        .build();
                CourierClient helper = CourierClient.builder(node.url()).build()) {
            ClientSocket socket = client.socket();
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            socket.onConnect(() -> events.add("connect recovered=" + socket.recovered()));
            socket.onDisconnect(reason -> events.add("disconnect:" + reason));
            socket.on(
                    "message-back",
                    (args, ack) -> events.add("back:" + args.getString(0) + " +offset:"
                            + (args.size() == 2 && args.getString(1) != null)));
            socket.on(
                    "direct-message",
                    (args, ack) -> events.add("direct:" + args.node(0).asInt()));
            socket.connect();
            assertThat(next(events)).isEqualTo("connect recovered=false");
            String id = socket.id();
            socket.emit("message", "tagged");
            assertThat(next(events)).isEqualTo("back:tagged +offset:true");

            socket.emit("drop-me");
            assertThat(next(events)).isEqualTo("disconnect:transport close");
            ClientSocket h = helper.connect();
            h.emitWithAck("to-socket", id, 1).get(20, TimeUnit.SECONDS);
            h.emitWithAck("to-socket", id, 2).get(20, TimeUnit.SECONDS);

            socket.connect();
            assertThat(next(events)).isEqualTo("direct:1");
            assertThat(next(events)).isEqualTo("direct:2");
            assertThat(next(events)).isEqualTo("connect recovered=true");
            assertThat(socket.id()).isEqualTo(id);
            JsonNode who =
                    socket.emitWithAck("whoami").get(20, TimeUnit.SECONDS).node(0);
            assertThat(who.get("id").asText()).isEqualTo(id);
            assertThat(who.get("recovered").asBoolean()).isTrue();
            assertThat(events).isEmpty();
        }
    }

    @Test
    void overTlsStartingOnHttpsPollingAndUpgradingToWss(@TempDir Path dir) throws Exception {
        Process openssl = new ProcessBuilder(
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-days",
                        "1",
                        "-subj",
                        "/CN=127.0.0.1",
                        "-addext",
                        "subjectAltName=IP:127.0.0.1",
                        "-keyout",
                        dir.resolve("key.pem").toString(),
                        "-out",
                        dir.resolve("cert.pem").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(openssl.waitFor()).as("openssl made a certificate").isZero();
        try (NodeServer node = new NodeServer("--tls=" + dir);
                CourierClient client = CourierClient.builder("https://127.0.0.1:" + node.port)
                        .sslContext(SslContextBuilder.forClient()
                                .trustManager(dir.resolve("cert.pem").toFile())
                                .build())
                        .build()) {
            ClientSocket socket = client.socket();
            BlockingQueue<Args> back = new LinkedBlockingQueue<>();
            socket.on("message-back", (args, ack) -> back.add(args));
            socket.connect();
            Args reply = socket.emitWithAck("echo", "secret", new byte[] {5}).get(20, TimeUnit.SECONDS);
            assertThat(reply.getString(0)).isEqualTo("secret");
            assertThat(reply.getBytes(1)).containsExactly(5);
            int n = 0;
            while (!"websocket".equals(client.transport())) {
                socket.emit("message", n++);
                assertThat(next(back).node(0).asInt()).isEqualTo(n - 1);
                assertThat(n).as("still no upgrade").isLessThan(100_000);
            }
        }
        // a client that does not trust the certificate does not connect
        try (NodeServer node = new NodeServer("--tls=" + dir);
                CourierClient client = CourierClient.builder("https://127.0.0.1:" + node.port)
                        .reconnection(false)
                        .build()) {
            BlockingQueue<ConnectError> errors = new LinkedBlockingQueue<>();
            client.socket().onConnectError(errors::add).connect();
            ConnectError e = next(errors);
            assertThat(e.refusedByServer()).isFalse();
        }
    }
}
