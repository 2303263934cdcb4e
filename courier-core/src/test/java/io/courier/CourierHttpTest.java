package io.courier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.http.HttpResponse;
import io.courier.http.StaticResource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP a server shares its port with, and what it tells about its connections: public API only. */
class CourierHttpTest {
    private Courier io;

    @AfterEach
    void stop() {
        if (io != null) {
            io.close();
        }
    }

    private Courier create(List<String> allowedHosts) {
        io = Courier.create(c -> {
            c.host("127.0.0.1").port(0).ioThreads(1);
            if (allowedHosts != null) {
                c.allowedHosts(allowedHosts);
            }
        });
        return io;
    }

    /** One request on its own connection: the whole response, read until the server closes. */
    private static String send(int port, String method, String path, String host, String body, String... headers)
            throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            if (body != null) {
                req.append("Content-Length: ").append(body.length()).append("\r\n");
            }
            req.append("Connection: close\r\n\r\n").append(body == null ? "" : body);
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            s.getInputStream().transferTo(all);
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static String status(String response) {
        return response.substring(0, response.indexOf("\r\n"));
    }

    private static String header(String response, String name) {
        Matcher m = Pattern.compile("(?im)^" + name + ": ([^\r\n]*)").matcher(response);
        return m.find() ? m.group(1) : null;
    }

    @Test
    void routesAndResourcesShareThePortWithSocketIoAndTheAllowedHostsGuardThemAll() throws Exception {
        create(List.of("localhost"));
        io.route(
                "/api/",
                16,
                request -> CompletableFuture.completedFuture(HttpResponse.text(
                        200,
                        request.method() + " " + request.path() + " q="
                                + request.query().get("q") + " body="
                                + new String(request.body(), StandardCharsets.UTF_8) + " ua="
                                + request.header("user-agent"))));
        io.resource("/", StaticResource.text("<p>page</p>", "text/html; charset=utf-8"));
        int port = io.start().port();

        String api = send(port, "POST", "/api/x?q=1", "localhost:" + port, "hello", "User-Agent: Probe");
        assertThat(status(api)).isEqualTo("HTTP/1.1 200 OK");
        assertThat(api).endsWith("POST /api/x q=1 body=hello ua=Probe");
        assertThat(status(send(port, "POST", "/api/x", "localhost", "seventeen bytes!!")))
                .isEqualTo("HTTP/1.1 413 Request Entity Too Large");

        String page = send(port, "GET", "/", "localhost", null);
        assertThat(status(page)).isEqualTo("HTTP/1.1 200 OK");
        assertThat(page).endsWith("<p>page</p>");
        String etag = header(page, "etag");
        assertThat(status(send(port, "GET", "/", "localhost", null, "If-None-Match: " + etag)))
                .isEqualTo("HTTP/1.1 304 Not Modified");

        assertThat(status(send(port, "GET", "/socket.io/?EIO=4&transport=polling", "localhost", null)))
                .isEqualTo("HTTP/1.1 200 OK");
        for (String path : List.of("/", "/api/x", "/socket.io/?EIO=4&transport=polling")) {
            assertThat(status(send(port, "GET", path, "evil.example:" + port, null)))
                    .as(path)
                    .isEqualTo("HTTP/1.1 421 Misdirected Request");
        }
        assertThat(status(send(port, "GET", "/", "127.0.0.1:" + port, null)))
                .as("an IP address always passes")
                .isEqualTo("HTTP/1.1 200 OK");
    }

    @Test
    void routesAndResourcesAreMountedBeforeStart() {
        create(null).start();
        assertThatThrownBy(() -> io.route("/late", 0, r -> CompletableFuture.completedFuture(null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("add a route before start() or attach()");
        assertThatThrownBy(() -> io.resource("/late", StaticResource.text("x", "text/plain")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> io.route("api", 0, r -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("path : api (expected: starts with /, e.g. /api/)");
    }

    @Test
    void allowedHostsAreHostNames() {
        assertThatThrownBy(() -> CourierConfig.builder().allowedHosts(List.of("https://hub.example")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "allowedHosts : https://hub.example (expected: a host name without scheme or path, e.g. localhost)");
        assertThat(CourierConfig.builder().build().allowedHosts()).isNull();
    }

    @Test
    @Timeout(30) // guards against a hang only
    void statsCountConnectionsAndCloseConnectionEndsOne() throws Exception {
        int port = create(null).start().port();
        String open = send(port, "GET", "/socket.io/?EIO=4&transport=polling", "localhost", null);
        Matcher sid = Pattern.compile("\"sid\":\"([^\"]+)\"").matcher(open);
        assertThat(sid.find()).as(open).isTrue();

        ServerStats stats = io.stats();
        assertThat(stats.connections()).isEqualTo(1);
        assertThat(stats.pollingConnections()).isEqualTo(1);
        assertThat(stats.connectionsOpened()).isEqualTo(1);
        assertThat(stats.connectionsClosed()).isZero();

        assertThat(io.closeConnection(sid.group(1))).isTrue();
        // a polling client reads the close packet on its next poll, which ends the connection
        String goodbye =
                send(port, "GET", "/socket.io/?EIO=4&transport=polling&sid=" + sid.group(1), "localhost", null);
        assertThat(status(goodbye)).isEqualTo("HTTP/1.1 200 OK");
        assertThat(goodbye).endsWith("1");
        while (io.stats().connectionsClosed() == 0) { // the close runs on the connection's event loop
            Thread.sleep(5);
        }
        assertThat(io.stats().connections()).isZero();
        assertThat(io.closeConnection(sid.group(1))).isFalse();
        assertThat(io.closeConnection("no-such-connection")).isFalse();
    }
}
