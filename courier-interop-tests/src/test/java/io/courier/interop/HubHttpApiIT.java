package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.interop.support.JavaClients;
import io.courier.interop.support.ServerProcess;
import io.socket.client.Ack;
import io.socket.client.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone hub's HTTP API against the real server process: publishing (one and batch) reaches a durable
 * subscriber using the official Java client, channel stats, health endpoints, the API key, and clear JSON errors.
 */
class HubHttpApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path data;

    private record Response(int status, JsonNode json, String text) {}

    private Response call(int port, String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return send(b);
    }

    private Response send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        if (r.headers().firstValue("content-type").orElse("").startsWith("application/json")) {
            json = JSON.readTree(r.body());
        }
        return new Response(r.statusCode(), json, r.body());
    }

    @Test
    void devModePublishReachesADurableSubscriberAndReportsTheChannel() throws Exception {
        try (ServerProcess server = new ServerProcess(data);
                JavaClients clients = new JavaClients(server.port())) {
            int port = server.port();
            Socket driver = clients.connect("/", o -> o.auth = Map.of("clientId", "driver-1"));
            List<Object[]> received = new CopyOnWriteArrayList<>();
            driver.on("pickup", args -> {
                received.add(args);
                ((Ack) args[args.length - 1]).call();
            });
            CompletableFuture<Object[]> subscribed = new CompletableFuture<>();
            driver.emit("subscribe", new Object[] {"parcels"}, (Ack) subscribed::complete);
            assertThat(subscribed.get(10, TimeUnit.SECONDS)[0].toString()).contains("\"ok\":true");

            Response one = call(
                    port,
                    "POST",
                    "/api/publish",
                    "{\"channel\":\"parcels\",\"event\":\"pickup\",\"args\":[{\"parcel\":1},\"fragile\"]}",
                    null);
            assertThat(one.status()).isEqualTo(200);
            assertThat(one.json().path("channel").asText()).isEqualTo("parcels");
            assertThat(one.json().path("seq").asLong()).isEqualTo(1);
            String id = one.json().path("id").asText();

            Response batch = call(
                    port,
                    "POST",
                    "/api/publish",
                    "{\"messages\":[{\"channel\":\"parcels\",\"event\":\"pickup\",\"args\":[{\"parcel\":2}]},"
                            + "{\"channel\":\"parcels\",\"event\":\"pickup\",\"args\":[{\"parcel\":3}]},"
                            + "{\"channel\":\"@x\",\"event\":\"pickup\"}]}",
                    null);
            assertThat(batch.status()).isEqualTo(200);
            JsonNode results = batch.json().path("results");
            assertThat(results).hasSize(3);
            assertThat(results.get(0).path("ok").asBoolean()).isTrue();
            assertThat(results.get(1).path("seq").asLong()).isEqualTo(3);
            assertThat(results.get(2).path("ok").asBoolean()).isFalse();
            assertThat(results.get(2).path("error").asText()).contains("direct channels");

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); // hang guard
            while (received.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(received).hasSize(3);
            Object[] first = received.get(0);
            assertThat(((JSONObject) first[0]).getInt("parcel")).isEqualTo(1);
            assertThat(first[1]).isEqualTo("fragile");
            JSONObject meta = (JSONObject) first[2];
            assertThat(meta.getString("id")).isEqualTo(id);
            assertThat(meta.getString("channel")).isEqualTo("parcels");
            assertThat(received)
                    .extracting(a -> ((JSONObject) a[0]).getInt("parcel"))
                    .containsExactly(1, 2, 3);

            Response stats = call(port, "GET", "/api/channels/parcels", null, null);
            assertThat(stats.status()).isEqualTo(200);
            assertThat(stats.json().path("subscribers").asInt()).isEqualTo(1);
            assertThat(stats.json().path("lastSeq").asLong()).isEqualTo(3);
            assertThat(call(port, "GET", "/api/channels/nothing-here", null, null)
                            .status())
                    .isEqualTo(404);
            assertThat(call(port, "GET", "/healthz", null, null).status()).isEqualTo(200);
            assertThat(call(port, "GET", "/readyz", null, null).status()).isEqualTo(200);

            Response metrics = call(port, "GET", "/metrics", null, null);
            assertThat(metrics.status()).isEqualTo(200);
            Map<String, Double> m = prometheus(metrics.text());
            assertThat(m.get("courier_connections")).isGreaterThanOrEqualTo(1);
            assertThat(m.get("courier_sockets{namespace=\"/\"}")).isGreaterThanOrEqualTo(1);
            assertThat(m.get("courier_events_in_total")).as("the subscribe").isGreaterThanOrEqualTo(1);
            assertThat(m.get("courier_events_out_total")).as("three deliveries").isGreaterThanOrEqualTo(3);
            assertThat(m.get("courier_bytes_in_bytes_total")).isPositive();
            assertThat(m.get("courier_bytes_out_bytes_total")).isPositive();
            assertThat(m).containsKeys("courier_acks_pending", "courier_messages_dropped_total");
            assertThat(m.get("courier_queue_subscribers{channel=\"parcels\"}")).isEqualTo(1.0);
            assertThat(m).containsKey("courier_queue_depth{channel=\"parcels\"}");
            assertThat(m.get("courier_store_fsync_seconds_count")).isPositive();
            assertThat(m).containsKey("courier_store_fsync_max_seconds");
            assertThat(m).containsKey("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"}");
        }
    }

    /** The samples of a Prometheus text exposition: "name{labels}" to value. */
    private static Map<String, Double> prometheus(String text) {
        Map<String, Double> out = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }

    @Test
    void aSubscriptionIsDurableFromItsAckOnEvenThroughKillDashNine() throws Exception {
        try (ServerProcess server = new ServerProcess(data);
                JavaClients clients = new JavaClients(server.port())) {
            Socket driver = clients.connect("/", o -> {
                o.auth = Map.of("clientId", "driver-k9");
                o.reconnection = true;
                o.reconnectionDelay = 100;
                o.reconnectionDelayMax = 500;
            });
            List<Object[]> received = new CopyOnWriteArrayList<>();
            driver.on("pickup", args -> {
                received.add(args);
                ((Ack) args[args.length - 1]).call();
            });
            CompletableFuture<Object[]> subscribed = new CompletableFuture<>();
            driver.emit("subscribe", new Object[] {"k9"}, (Ack) subscribed::complete);
            assertThat(subscribed.get(10, TimeUnit.SECONDS)[0].toString()).contains("\"ok\":true");

            server.killNine(); // right after the ack: no clean shutdown, no later flush
            server.start();
            Response published = call(
                    server.port(),
                    "POST",
                    "/api/publish",
                    "{\"channel\":\"k9\",\"event\":\"pickup\",\"args\":[1]}",
                    null);
            assertThat(published.status()).isEqualTo(200);
            assertThat(call(server.port(), "GET", "/api/channels/k9", null, null)
                            .json()
                            .path("subscribers")
                            .asInt())
                    .as("the subscription came back from the log")
                    .isEqualTo(1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // hang guard
            while (received.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(received)
                    .as("delivered after the reconnect, without subscribing again")
                    .hasSize(1);
        }
    }

    @Test
    void badRequestsGetClearJsonErrorsAndTheServerGoesOn() throws Exception {
        try (ServerProcess server = new ServerProcess(data)) {
            int port = server.port();
            Map<String, Integer> cases = Map.of(
                    "not json", 400,
                    "[1,2]", 400,
                    "{\"event\":\"e\"}", 400,
                    "{\"channel\":\"c\"}", 400,
                    "{\"channel\":\"c\",\"event\":\"e\",\"args\":{}}", 400,
                    "{\"messages\":[]}", 400,
                    "{\"messages\":[{\"channel\":\"c\",\"event\":\"e\"},{\"channel\":1}]}", 400);
            for (Map.Entry<String, Integer> c : cases.entrySet()) {
                Response r = call(port, "POST", "/api/publish", c.getKey(), null);
                assertThat(r.status()).as(c.getKey()).isEqualTo(c.getValue());
                assertThat(r.json().path("error").asText()).as(c.getKey()).isNotBlank();
            }
            assertThat(call(port, "GET", "/api/publish", null, null).status()).isEqualTo(405);
            assertThat(call(port, "GET", "/api/nothing", null, null).status()).isEqualTo(404);
            String huge = "{\"channel\":\"c\",\"event\":\"e\",\"args\":[\"" + "x".repeat(1 << 20) + "\"]}";
            assertThat(call(port, "POST", "/api/publish", huge, null).status()).isEqualTo(413);
            assertThat(call(port, "POST", "/api/publish", "{\"channel\":\"c\",\"event\":\"e\"}", null)
                            .status())
                    .as("still serving")
                    .isEqualTo(200);
        }
    }

    @Test
    void withAnApiKeyOnlyTheRightBearerMayUseTheApi() throws Exception {
        try (ServerProcess server = new ServerProcess(data, "--api-key", "s3cret")) {
            int port = server.port();
            String body = "{\"channel\":\"c\",\"event\":\"e\"}";
            Response none = call(port, "POST", "/api/publish", body, null);
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.json().path("error").asText()).contains("API key");
            assertThat(call(port, "POST", "/api/publish", body, "wrong").status())
                    .isEqualTo(401);
            assertThat(call(port, "GET", "/api/channels/c", null, "wrong").status())
                    .isEqualTo(401);
            assertThat(call(port, "POST", "/api/publish", body, "s3cret").status())
                    .isEqualTo(200);
            assertThat(call(port, "GET", "/healthz", null, null).status())
                    .as("health needs no key")
                    .isEqualTo(200);
        }
    }

    /** A raw HTTP/1.1 request on its own connection (HttpClient will not send another Host); the status code. */
    private static int raw(int port, String request) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            String response =
                    new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            return Integer.parseInt(response.substring(9, 12));
        }
    }

    @Test
    void aWebPageOnAnotherOriginCannotUseTheApiInDevMode() throws Exception {
        try (ServerProcess server = new ServerProcess(data)) {
            int port = server.port();
            String body = "{\"channel\":\"c\",\"event\":\"e\"}";
            URI publish = URI.create("http://127.0.0.1:" + port + "/api/publish");
            // the CSRF shape: a "simple" cross-origin POST, which a browser sends without a preflight
            Response csrf = send(HttpRequest.newBuilder(publish)
                    .header("Origin", "http://evil.example")
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            assertThat(csrf.status()).isEqualTo(403);
            assertThat(csrf.json().path("error").asText()).contains("other origins");
            assertThat(send(HttpRequest.newBuilder(publish)
                                    .header("Origin", "http://evil.example")
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)))
                            .status())
                    .isEqualTo(403);
            for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data")) {
                Response r = send(HttpRequest.newBuilder(publish)
                        .header("Content-Type", type)
                        .POST(HttpRequest.BodyPublishers.ofString(body)));
                assertThat(r.status()).as(type).isEqualTo(415);
                assertThat(r.json().path("error").asText()).contains("application/json");
            }
            assertThat(send(HttpRequest.newBuilder(publish).POST(HttpRequest.BodyPublishers.ofString(body)))
                            .status())
                    .as("no Content-Type")
                    .isEqualTo(415);
            assertThat(send(HttpRequest.newBuilder(publish)
                                    .header("Origin", "http://127.0.0.1:" + port)
                                    .header("Content-Type", "application/json; charset=utf-8")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)))
                            .status())
                    .as("the hub's own page")
                    .isEqualTo(200);

            // DNS rebinding: the attacker's name, pointed at 127.0.0.1, in both Origin and Host
            String rebound = "evil.example:" + port;
            assertThat(raw(
                            port,
                            "POST /api/publish HTTP/1.1\r\nHost: " + rebound + "\r\nOrigin: http://" + rebound
                                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                                    + "\r\nConnection: close\r\n\r\n" + body))
                    .isEqualTo(421);
            assertThat(raw(
                            port,
                            "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: " + rebound
                                    + "\r\nOrigin: http://" + rebound + "\r\nConnection: close\r\n\r\n"))
                    .isEqualTo(421);
            assertThat(raw(
                            port,
                            "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: localhost:" + port
                                    + "\r\nOrigin: http://localhost:" + port + "\r\nConnection: close\r\n\r\n"))
                    .isEqualTo(200);
        }
        try (ServerProcess server = new ServerProcess(data, "--allowed-host", "hub.example")) {
            assertThat(raw(
                            server.port(),
                            "GET /healthz HTTP/1.1\r\nHost: hub.example:" + server.port()
                                    + "\r\nConnection: close\r\n\r\n"))
                    .isEqualTo(200);
            assertThat(raw(server.port(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
                    .as("the list replaces the default")
                    .isEqualTo(421);
        }
    }

    @Test
    void withAnApiKeyMetricsNeedTheKeyOrTheMetricsTokenUnlessMadePublic() throws Exception {
        try (ServerProcess server = new ServerProcess(data, "--api-key", "s3cret", "--metrics-token", "scraper")) {
            int port = server.port();
            Response none = call(port, "GET", "/metrics", null, null);
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.text()).doesNotContain("courier_");
            assertThat(call(port, "GET", "/metrics", null, "wrong").status()).isEqualTo(401);
            assertThat(call(port, "GET", "/metrics", null, "scraper").text()).contains("courier_connections");
            assertThat(call(port, "GET", "/metrics", null, "s3cret").status())
                    .as("the API key too")
                    .isEqualTo(200);
            assertThat(call(port, "POST", "/api/publish", "{\"channel\":\"c\",\"event\":\"e\"}", "scraper")
                            .status())
                    .as("the metrics token is not an API key")
                    .isEqualTo(401);
        }
        try (ServerProcess server = new ServerProcess(data, "--api-key", "s3cret")) {
            assertThat(call(server.port(), "GET", "/metrics", null, null).status())
                    .isEqualTo(401);
            assertThat(call(server.port(), "GET", "/metrics", null, "s3cret").status())
                    .isEqualTo(200);
        }
        try (ServerProcess server = new ServerProcess(data, "--api-key", "s3cret", "--metrics-public")) {
            assertThat(call(server.port(), "GET", "/metrics", null, null).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void durableStateAClientCanCreateIsBoundedAndARefusalNamesTheLimit() throws Exception {
        Path config = java.nio.file.Files.writeString(
                data.resolve("courier.yml"), "limits: { subscriptionsPerClient: 3, channels: 6 }\n");
        try (ServerProcess server = new ServerProcess(data.resolve("store"), "--config", config.toString());
                JavaClients clients = new JavaClients(server.port())) {
            int port = server.port();
            Socket driver = clients.connect("/", o -> o.auth = Map.of("clientId", "driver-1"));
            List<String> subscribed = new java.util.ArrayList<>();
            List<String> refusals = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                CompletableFuture<Object[]> reply = new CompletableFuture<>();
                driver.emit("subscribe", new Object[] {"s-" + i}, (Ack) reply::complete);
                JSONObject r = (JSONObject) reply.get(10, TimeUnit.SECONDS)[0];
                if (r.getBoolean("ok")) {
                    assertThat(refusals)
                            .as("nothing succeeds after the first refusal")
                            .isEmpty();
                    subscribed.add("s-" + i);
                } else {
                    refusals.add(r.getString("error"));
                }
            }
            assertThat(subscribed).as("up to the limit").isNotEmpty().hasSizeLessThanOrEqualTo(3);
            assertThat(refusals).isNotEmpty().allSatisfy(e -> assertThat(e).contains("maxSubscriptionsPerClient"));

            List<Integer> statuses = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Response r = call(port, "POST", "/api/publish", "{\"channel\":\"p-" + i + "\",\"event\":\"e\"}", null);
                statuses.add(r.status());
                if (r.status() != 200) {
                    assertThat(r.status()).isEqualTo(507);
                    assertThat(r.json().path("error").asText()).contains("maxChannels");
                }
            }
            assertThat(statuses).contains(200, 507);
            assertThat(statuses.subList(statuses.indexOf(507), statuses.size()))
                    .as("a refused channel stays refused")
                    .containsOnly(507);

            List<Object[]> received = new CopyOnWriteArrayList<>();
            driver.on("e", received::add);
            String kept = subscribed.get(0);
            assertThat(call(port, "POST", "/api/publish", "{\"channel\":\"" + kept + "\",\"event\":\"e\"}", null)
                            .status())
                    .as("what is stored keeps flowing")
                    .isEqualTo(200);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); // hang guard
            while (received.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(received).hasSize(1);
        }
    }
}
