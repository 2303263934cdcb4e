package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.Unhurried;
import io.courier.protocol.Parser;
import io.courier.standalone.ConformanceServer;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The msgpack parser ({@code CourierConfig.Builder.parser(Parser.MSGPACK)}) with the official npm {@code
 * socket.io-client} 4.8.4 and {@code parser: require("socket.io-msgpack-parser")} 3.0.2: the conformance contract's
 * scenarios (connect, emits, acks both ways, broadcasts, rooms, namespaces, binary, disconnects, reconnection) over
 * long-polling (binary messages as {@code b<base64>} records) and over an upgrade to WebSocket (binary frames);
 * connection state recovery, whose offsets go inside the msgpack packets; and the Socket.IO half of the official
 * socket.io-protocol test suite replayed over msgpack on raw WebSocket frames ({@code msgpack-protocol.js}); durable
 * deliveries and their acks ({@code durable.js}). The
 * Redis adapter path over msgpack is {@link RedisClusterIT}'s msgpack run.
 */
class MsgPackParserIT {
    private static ConformanceServer server;
    private static ConformanceServer recovery;

    @BeforeAll
    static void start() {
        server = ConformanceServer.start("127.0.0.1", 0, c -> {
            Unhurried.timings(c);
            c.parser(Parser.MSGPACK);
        });
        recovery = ConformanceServer.startRecovery("127.0.0.1", 0, c -> {
            Unhurried.timings(c);
            c.connectionStateRecovery(r -> r.maxDisconnectionDuration(Duration.ofSeconds(30)));
            c.parser(Parser.MSGPACK);
        });
    }

    @AfterAll
    static void stop() {
        server.close();
        recovery.close();
    }

    static Stream<Arguments> scenarios() {
        Stream.Builder<Arguments> out = Stream.builder();
        for (String mode : new String[] {"polling", "upgrade"}) {
            for (String script : new String[] {
                "basics.js", "binary.js", "server-acks.js", "namespaces.js", "rooms.js", "disconnect.js", "reconnect.js"
            }) {
                out.add(Arguments.of(script, mode));
            }
        }
        return out.build();
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("scenarios")
    void officialClientWithTheMsgPackParserSucceeds(String script, String mode) throws Exception {
        ClientScript.Result r = ClientScript.of(script)
                .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                .env("COURIER_TRANSPORTS", mode)
                .env("COURIER_PARSER", "msgpack")
                .timeout(Duration.ofSeconds(90))
                .run();
        assertThat(r.ok()).as(r.describe()).isTrue();
        if (script.equals("basics.js")) {
            assertThat(r.result().path("transport").asText())
                    .as(r.describe())
                    .isEqualTo(mode.equals("polling") ? "polling" : "websocket");
        }
    }

    @ParameterizedTest(name = "recovery over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void connectionStateRecoveryWorksOverMsgPack(String mode) throws Exception {
        ClientScript.Result r = ClientScript.of("recovery.js")
                .env("COURIER_URL", "http://127.0.0.1:" + recovery.port())
                .env("COURIER_TRANSPORTS", mode)
                .env("COURIER_PARSER", "msgpack")
                .timeout(Duration.ofSeconds(60))
                .run();
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.result().path("missed").asInt()).as(r.describe()).isEqualTo(2);
    }

    @ParameterizedTest(name = "durable deliveries over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void durableDeliveriesAndTheirAcksWorkOverMsgPack(String mode) throws Exception {
        // the deliveries' ack ids and {channel, id, seq} travel inside msgpack packets like any other
        try (ConformanceServer durable =
                ConformanceServer.startDurable("127.0.0.1", 0, d -> {}, c -> c.parser(Parser.MSGPACK))) {
            ClientScript.Result r = ClientScript.of("durable.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + durable.port())
                    .env("COURIER_TRANSPORTS", mode)
                    .env("COURIER_PARSER", "msgpack")
                    .timeout(Duration.ofSeconds(90))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
            assertThat(r.result().path("duplicates").asInt()).as(r.describe()).isZero();
        }
    }

    @Test
    void theOfficialSuitesSocketIoScenariosPassOverMsgPack() throws Exception {
        // the suite's own heartbeat (300 ms) and connect deadline, but a pingTimeout no stalled process misses: the
        // script answers pings, and nothing here is about the heartbeat (see Unhurried)
        try (ConformanceServer contract = ConformanceServer.start("127.0.0.1", 0, c -> c.parser(Parser.MSGPACK)
                .pingTimeout(Duration.ofSeconds(20))
                .connectTimeout(Duration.ofSeconds(5)))) {
            ClientScript.Result r = ClientScript.of("msgpack-protocol.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + contract.port())
                    .timeout(Duration.ofSeconds(90))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
            assertThat(r.result().path("scenarios").asInt()).as(r.describe()).isEqualTo(17);
        }
    }
}
