package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.ServerProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
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
            ClientScript.Result r = ClientScript.of("admin-ui.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", mode)
                    .timeout(Duration.ofSeconds(60))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
        }
    }

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

    /**
     * The official Admin UI's built page ({@code @socket.io/admin-ui}'s {@code ui/dist}) in headless Chromium, served on
     * its own origin, over long-polling: it connects only with {@code --cors-credentials}, since its client sets
     * {@code withCredentials}. Skipped, with the reason, where Chromium is missing.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"with --cors-credentials", "without"})
    void theOfficialAdminUiPageConnectsOverPollingInChromiumOnlyWithCorsCredentials(String variant) throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMIUM), CHROMIUM + " is not installed (apt-get install chromium); skipped");
        boolean credentials = variant.startsWith("with ");
        int uiPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            uiPort = s.getLocalPort();
        }
        List<String> args =
                new ArrayList<>(List.of("--admin-password", "secret", "--cors-origin", "http://127.0.0.1:" + uiPort));
        if (credentials) {
            args.add("--cors-credentials");
        }
        try (ServerProcess server = new ServerProcess(data, args.toArray(String[]::new))) {
            ClientScript.Result r = ClientScript.of("admin-ui-browser.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("UI_PORT", String.valueOf(uiPort))
                    .env("EXPECT", credentials ? "connected" : "refused")
                    .env("CHROMIUM", CHROMIUM.toString())
                    .timeout(Duration.ofSeconds(90))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
        }
    }

    @Test
    void passwordGuessesAreLimitedPerAddressAndSessionsExpire() throws Exception {
        Path config = Files.writeString(data.resolve("courier.yml"), "admin: { password: secret, sessionTtl: 2s }\n");
        try (ServerProcess server = new ServerProcess(data.resolve("store"), "--config", config.toString())) {
            ClientScript.Result r = ClientScript.of("admin-login-limit.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", "websocket")
                    .timeout(Duration.ofSeconds(120))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
        }
    }
}
