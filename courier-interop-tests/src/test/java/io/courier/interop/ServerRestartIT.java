package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.RestartableServer;
import io.courier.interop.support.Unhurried;
import io.courier.standalone.ConformanceServer;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The official client reconnects by itself when the server goes away and comes back on the same port. */
class ServerRestartIT {
    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket", "upgrade"})
    void officialClientReconnectsAfterServerRestart(String mode) throws Exception {
        try (RestartableServer server =
                new RestartableServer(port -> ConformanceServer.start("127.0.0.1", port, Unhurried::timings))) {
            ClientScript.Result r = ClientScript.of("reconnect.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", mode)
                    .env("COURIER_WAIT_RECONNECT", "1")
                    .timeout(Duration.ofSeconds(60))
                    .onPhase(server.restartOn("connected"))
                    .run();
            assertThat(server.restartFailure()).isNull();
            assertThat(r.ok()).as(r.describe()).isTrue();
        }
    }
}
