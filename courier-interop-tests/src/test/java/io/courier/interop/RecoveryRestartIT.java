package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.RestartableServer;
import io.courier.interop.support.Unhurried;
import io.courier.standalone.ConformanceServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connection state recovery survives a server restart when the recovery store is durable: the stock client that was
 * away during the restart, and the one connected through it, get their sessions and missed events from the new
 * server process.
 */
class RecoveryRestartIT {
    @TempDir
    Path data;

    private ConformanceServer start(int port) {
        return ConformanceServer.startRecovery("127.0.0.1", port, c -> {
            Unhurried.timings(c);
            c.connectionStateRecovery(
                    r -> r.maxDisconnectionDuration(Duration.ofSeconds(30)).durable(data));
        });
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void stockClientRecoversAcrossAServerRestart(String mode) throws Exception {
        try (RestartableServer server = new RestartableServer(this::start)) {
            ClientScript.Result r = ClientScript.of("recovery-restart.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", mode)
                    .timeout(Duration.ofSeconds(60))
                    .onPhase(server.restartOn("restart"))
                    .run();
            assertThat(server.restartFailure()).isNull();
            assertThat(r.ok()).as(r.describe()).isTrue();
        }
    }
}
