package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.NodeScript;
import io.courier.standalone.ConformanceServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connection state recovery survives a server restart when the recovery store is durable: the stock client that was
 * away during the restart gets its session and the event it missed from the new server process.
 */
class RecoveryRestartIT {
    @TempDir
    Path data;

    private ConformanceServer start(int port) {
        return ConformanceServer.startRecovery(
                "127.0.0.1",
                port,
                c -> c.connectionStateRecovery(
                        r -> r.maxDisconnectionDuration(Duration.ofSeconds(30)).durable(data)));
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void stockClientRecoversAcrossAServerRestart(String mode) throws Exception {
        AtomicReference<ConformanceServer> server = new AtomicReference<>(start(0));
        int port = server.get().port();
        AtomicReference<Throwable> restartFailure = new AtomicReference<>();
        try {
            NodeScript.Result r = NodeScript.of("recovery-restart.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + port)
                    .env("COURIER_TRANSPORTS", mode)
                    .timeout(Duration.ofSeconds(60))
                    .onPhase(phase -> {
                        if (phase.path("phase").asText().equals("restart")) {
                            try {
                                server.getAndSet(null).close();
                                server.set(start(port));
                            } catch (Throwable t) {
                                restartFailure.set(t);
                            }
                        }
                    })
                    .run();
            assertThat(restartFailure.get()).isNull();
            assertThat(r.ok()).as(r.describe()).isTrue();
        } finally {
            ConformanceServer s = server.get();
            if (s != null) {
                s.close();
            }
        }
    }
}
