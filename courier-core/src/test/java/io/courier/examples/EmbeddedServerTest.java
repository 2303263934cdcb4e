package io.courier.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Smoke-runs the README example: it starts, answers a handshake, serves the client bundle, and stops. */
class EmbeddedServerTest {
    @Test
    void readmeExampleStartsAndServes() throws Exception {
        try (Courier io = EmbeddedServer.start(0);
                HttpClient http = HttpClient.newHttpClient()) {
            String base = "http://127.0.0.1:" + io.port() + "/socket.io/";
            HttpResponse<String> handshake = http.send(
                    HttpRequest.newBuilder(URI.create(base + "?EIO=4&transport=polling"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(handshake.statusCode()).isEqualTo(200);
            assertThat(handshake.body()).startsWith("0{\"sid\":\"");

            HttpResponse<String> bundle = http.send(
                    HttpRequest.newBuilder(URI.create(base + "socket.io.min.js"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bundle.statusCode()).isEqualTo(200);
            assertThat(bundle.headers().firstValue("content-type")).hasValue("application/javascript; charset=utf-8");
            assertThat(bundle.body()).contains("Socket.IO v4.8.4");
        }
    }
}
