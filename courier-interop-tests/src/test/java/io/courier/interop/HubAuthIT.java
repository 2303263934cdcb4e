package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone hub with a configuration file: JWT-authenticated clients (tokens signed by Node's crypto), channel
 * rules deciding who may subscribe and publish, a channel that is not durable, and the backend publishing to it.
 */
class HubAuthIT {
    private static final String SECRET = "a-long-test-secret";

    @TempDir
    Path dir;

    @Test
    void tokensAndChannelRulesDecideWhoMaySubscribeAndPublish() throws Exception {
        Path config = Files.writeString(dir.resolve("courier.yml"), """
                jwtSecret: %s
                apiKey: backend-key
                channels:
                  - match: "parcels.*"
                    subscribe: token
                    publish: token
                  - match: news
                    durable: false
                    subscribe: anyone
                    publish: nobody
                """.formatted(SECRET));
        try (ServerProcess server = new ServerProcess(dir.resolve("data"), "--config", config.toString())) {
            AtomicReference<Integer> backendStatus = new AtomicReference<>();
            ClientScript.Result r = ClientScript.of("hub-auth.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", "websocket")
                    .env("JWT_SECRET", SECRET)
                    .timeout(Duration.ofSeconds(60))
                    .onPhase(phase -> backendStatus.set(publishNews(server.port())))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
            assertThat(backendStatus.get()).isEqualTo(200);
        }
    }

    private static int publishNews(int port) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/publish"))
                                    .header("Authorization", "Bearer backend-key")
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            "{\"channel\":\"news\",\"event\":\"headline\",\"args\":[\"extra\"]}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return response.statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
