package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.Unhurried;
import io.courier.standalone.ConformanceServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connection state recovery with the stock npm client against the recovery contract's handlers (with unhurried
 * deadlines): same socket id, rooms back, the missed events in order and once, {@code recovered} true; a fresh client
 * is not recovered.
 */
class RecoveryIT {
    private static ConformanceServer server;

    @BeforeAll
    static void start() {
        // socket.io's default deadlines, and 30 s to come back rather than the contract's 2 s: what is checked here is
        // what a recovered client receives, not how long recovery lasts, and a loaded machine took longer than 2 s
        server = ConformanceServer.startRecovery("127.0.0.1", 0, c -> {
            Unhurried.timings(c);
            c.connectionStateRecovery(
                    r -> r.maxDisconnectionDuration(Duration.ofSeconds(30)).skipMiddlewares(true));
        });
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket", "upgrade"})
    void stockClientRecoversItsSessionAndMissedEvents(String mode) throws Exception {
        ClientScript.Result r = ClientScript.of("recovery.js")
                .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                .env("COURIER_TRANSPORTS", mode)
                .timeout(Duration.ofSeconds(60))
                .run();
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.result().path("missed").asInt()).as(r.describe()).isEqualTo(2);
    }
}
