package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.ConformanceServerExtension;
import io.courier.standalone.ConformanceServer;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The official npm {@code socket.io-client} 4.8.4, driven by the Node scenarios in {@code src/test/js}, against the
 * conformance server (official + extended contract) in polling-only, websocket-only and upgrade modes.
 */
class NodeClientIT {
    @RegisterExtension
    static final ConformanceServerExtension server = new ConformanceServerExtension();

    static Stream<Arguments> scenarios() {
        Stream.Builder<Arguments> out = Stream.builder();
        for (String mode : new String[] {"polling", "websocket", "upgrade"}) {
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
    void officialClientScenarioSucceeds(String script, String mode) throws Exception {
        ClientScript.Result r = run(script, mode).run();
        assertThat(r.ok()).as(r.describe()).isTrue();
        if (script.equals("basics.js")) {
            assertThat(r.result().path("transport").asText())
                    .as(r.describe())
                    .isEqualTo(mode.equals("polling") ? "polling" : "websocket");
        }
    }

    @ParameterizedTest(name = "200 clients over {0}")
    @ValueSource(strings = {"polling", "websocket", "upgrade"})
    void twoHundredConcurrentClientsEachGetEveryBroadcast(String mode) throws Exception {
        // this checks fan-out and concurrency, not heartbeats: the timings are long enough that a Node process stalled
        // for tens of seconds on a loaded 2-core machine is not closed by the heartbeat (seen once in CI-like runs)
        try (ConformanceServer loadServer =
                ConformanceServer.start("127.0.0.1", 0, c -> c.pingInterval(Duration.ofSeconds(60))
                        .pingTimeout(Duration.ofSeconds(60))
                        .upgradeTimeout(Duration.ofSeconds(60))
                        .connectTimeout(Duration.ofSeconds(60)))) {
            ClientScript.Result r = ClientScript.of("many-clients.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + loadServer.port())
                    .env("COURIER_TRANSPORTS", mode)
                    .env("COURIER_CLIENTS", "200")
                    .timeout(Duration.ofSeconds(120))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
            assertThat(r.result().path("broadcastsReceived").asInt())
                    .as(r.describe())
                    .isEqualTo(200 * 200);
        }
    }

    private static ClientScript run(String script, String mode) {
        return ClientScript.of(script)
                .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                .env("COURIER_TRANSPORTS", mode)
                .timeout(Duration.ofSeconds(90));
    }
}
