package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Courier;
import io.courier.http.HttpResponse;
import io.courier.http.StaticResource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DNS rebinding: the Host header decides, before any route, engine endpoint or same-origin check. */
class AllowedHostsTest {
    private Courier io;
    private CourierHttpServer http;

    private int start(List<String> allowedHosts) {
        io = Courier.create(c -> {});
        http = new CourierHttpServer("127.0.0.1", 0, 1);
        if (allowedHosts != null) {
            http.allowedHosts(allowedHosts);
        }
        http.resource("/", StaticResource.of("<p>page</p>".getBytes(StandardCharsets.UTF_8), "text/html"));
        http.route("/api/", 1024, call -> CompletableFuture.completedFuture(HttpResponse.text(200, "api\n")));
        io.attach(http);
        http.start();
        return http.port();
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
        if (io != null) {
            io.close();
        }
    }

    /** One request on its own connection; the status line and everything after it until the server closes. */
    private static String get(int port, String path, String host, String... headers) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\n");
            if (host != null) {
                req.append("Host: ").append(host).append("\r\n");
            }
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            req.append("Connection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static String status(String response) {
        return response.substring(0, response.indexOf("\r\n"));
    }

    @Test
    void aRebindingShapedRequestIsMisdirectedOnEveryPathWhileTheAllowedNamesAndIpAddressesPass() throws Exception {
        int port = start(List.of("localhost", "hub.example"));
        String handshake = "/socket.io/?EIO=4&transport=polling";
        String evil = "evil.example:" + port;
        // the attacker's page: Origin and Host both name the attacker's domain, now resolving to this server
        for (String path : List.of("/", "/api/x", handshake)) {
            String r = get(port, path, evil, "Origin: http://" + evil);
            assertThat(status(r)).as(path).isEqualTo("HTTP/1.1 421 Misdirected Request");
            assertThat(r).as(path).contains("does not answer to the host evil.example:" + port);
        }
        assertThat(status(get(
                        port,
                        handshake,
                        evil,
                        "Origin: http://" + evil,
                        "Upgrade: websocket",
                        "Connection: Upgrade",
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                        "Sec-WebSocket-Version: 13")))
                .as("a WebSocket upgrade")
                .isEqualTo("HTTP/1.1 421 Misdirected Request");

        for (String host : List.of(
                "localhost:" + port,
                "LOCALHOST",
                "hub.example.",
                "127.0.0.1:" + port,
                "[::1]:" + port,
                "192.168.1.9:" + port)) {
            String r = get(port, handshake, host, "Origin: http://" + host);
            assertThat(status(r)).as(host).isEqualTo("HTTP/1.1 200 OK");
        }
        assertThat(status(get(port, "/api/x", null)))
                .as("no Host: not a browser")
                .isEqualTo("HTTP/1.1 200 OK");
        assertThat(status(get(port, "/", "evil.localhost:" + port))).isEqualTo("HTTP/1.1 421 Misdirected Request");
    }

    @Test
    void withoutAllowedHostsEveryHostIsServedAsBefore() throws Exception {
        int port = start(null);
        String evil = "evil.example:" + port;
        assertThat(status(get(port, "/socket.io/?EIO=4&transport=polling", evil, "Origin: http://" + evil)))
                .isEqualTo("HTTP/1.1 200 OK");
        assertThat(http.allowedHosts()).isNull();
    }

    @Test
    void hostNamesAreReadWithoutPortBracketsOrCase() {
        assertThat(CourierHttpServer.Routes.hostName("Hub.Example:3000")).isEqualTo("hub.example");
        assertThat(CourierHttpServer.Routes.hostName("[::1]:3000")).isEqualTo("::1");
        assertThat(CourierHttpServer.Routes.hostName("::1")).isEqualTo("::1");
        assertThat(CourierHttpServer.Routes.hostName("localhost.")).isEqualTo("localhost");
        assertThatThrownBy(() -> new CourierHttpServer("127.0.0.1", 0, 1).allowedHosts(List.of("")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("allowedHosts");
    }
}
