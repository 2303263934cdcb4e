package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.NodeScript;
import io.courier.standalone.ConformanceServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The official client reconnects by itself when the server goes away and comes back on the same port. */
class ServerRestartIT {
    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket", "upgrade"})
    void officialClientReconnectsAfterServerRestart(String mode) throws Exception {
        AtomicReference<ConformanceServer> server = new AtomicReference<>(ConformanceServer.start("127.0.0.1", 0));
        int port = server.get().port();
        AtomicReference<Throwable> restartFailure = new AtomicReference<>();
        try {
            NodeScript.Result r = NodeScript.of("reconnect.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + port)
                    .env("COURIER_TRANSPORTS", mode)
                    .env("COURIER_WAIT_RECONNECT", "1")
                    .timeout(Duration.ofSeconds(60))
                    .onPhase(phase -> {
                        if (phase.path("phase").asText().equals("connected")) {
                            try {
                                server.getAndSet(null).close();
                                server.set(ConformanceServer.start("127.0.0.1", port));
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
