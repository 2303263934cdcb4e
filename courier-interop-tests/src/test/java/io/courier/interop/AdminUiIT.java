package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.NodeScript;
import io.courier.interop.support.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The standalone hub's {@code /admin} namespace, checked against what the official Socket.IO Admin UI expects. */
class AdminUiIT {
    @TempDir
    Path data;

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void speaksTheAdminUiProtocolBehindBasicAuth(String mode) throws Exception {
        try (ServerProcess server = new ServerProcess(data, "--admin-password", "secret")) {
            NodeScript.Result r = NodeScript.of("admin-ui.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", mode)
                    .timeout(Duration.ofSeconds(60))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
        }
    }

    @Test
    void passwordGuessesAreLimitedPerAddressAndSessionsExpire() throws Exception {
        Path config = Files.writeString(data.resolve("courier.yml"), "admin: { password: secret, sessionTtl: 2s }\n");
        try (ServerProcess server = new ServerProcess(data.resolve("store"), "--config", config.toString())) {
            NodeScript.Result r = NodeScript.of("admin-login-limit.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", "websocket")
                    .timeout(Duration.ofSeconds(120))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
        }
    }
}
