package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.NodeScript;
import io.courier.standalone.ConformanceServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connection state recovery with the stock npm client against the recovery contract: same socket id, rooms back,
 * the missed events in order and once, {@code recovered} true; a fresh client is not recovered.
 */
class RecoveryIT {
    private static ConformanceServer server;

    @BeforeAll
    static void start() {
        server = ConformanceServer.startRecovery("127.0.0.1", 0, c -> {});
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket", "upgrade"})
    void stockClientRecoversItsSessionAndMissedEvents(String mode) throws Exception {
        NodeScript.Result r = NodeScript.of("recovery.js")
                .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                .env("COURIER_TRANSPORTS", mode)
                .timeout(Duration.ofSeconds(60))
                .run();
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.result().path("missed").asInt()).as(r.describe()).isEqualTo(2);
    }
}
