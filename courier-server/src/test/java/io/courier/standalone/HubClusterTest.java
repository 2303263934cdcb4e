package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hubs started with {@code --redis}, on a redis-server of the test's own: they wait for Redis with one line and no
 * stack trace, share the durable queues, show the cluster's health in {@code /metrics}, and answer {@code /readyz}
 * with 503 while Redis is unreachable.
 */
class HubClusterTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @TempDir
    Path data;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
    }

    @Test
    void aHubWaitsForRedisThenTwoHubsShareTheQueues() throws Exception {
        RedisServer redis = new RedisServer();
        opened.add(redis);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int portA = freePort();
        CompletableFuture<Main.Launched> a = CompletableFuture.supplyAsync(() -> launch(portA, redis, err));
        // Redis is not there yet: one line that says so, and the hub keeps trying
        eventually(() -> err.toString(StandardCharsets.UTF_8).contains("cannot reach Redis"));
        assertThat(a).isNotDone();
        redis.start();
        Main.Launched hubA = a.get(60, TimeUnit.SECONDS);
        opened.add(hubA.server());
        String said = err.toString(StandardCharsets.UTF_8);
        assertThat(said.lines().toList())
                .allMatch(l -> l.startsWith("courier: cannot reach Redis at " + redis.uri() + " (--redis): ")
                        && l.endsWith("; retrying every 2 s"));
        assertThat(said).doesNotContain("Exception").doesNotContain("\tat ");

        int portB = freePort();
        Main.Launched hubB = launch(portB, redis, new ByteArrayOutputStream());
        opened.add(hubB.server());
        assertThat(get(portA, "/readyz").statusCode()).isEqualTo(200);
        assertThat(get(portB, "/metrics").body()).contains("courier_cluster_redis_connected 1.0");

        // published on A, stored in Redis: B sees the channel's newest seq
        HttpResponse<String> published = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portA + "/api/publish"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"channel\":\"parcels\",\"event\":\"pickup\",\"args\":[1]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(published.body()).contains("\"seq\":1");
        assertThat(get(portB, "/api/channels/parcels").body()).contains("\"lastSeq\":1");
    }

    @Test
    void readyzAnswers503WhileRedisIsUnreachable() throws Exception {
        RedisServer redis = new RedisServer().start();
        opened.add(redis);
        int port = freePort();
        Main.Launched hub = launch(port, redis, new ByteArrayOutputStream());
        opened.add(hub.server());
        assertThat(get(port, "/readyz").statusCode()).isEqualTo(200);

        redis.kill();
        eventually(() -> get(port, "/readyz").statusCode() == 503);
        assertThat(get(port, "/metrics").body()).contains("courier_cluster_redis_connected 0.0");
        assertThat(get(port, "/healthz").statusCode())
                .as("the process still answers")
                .isEqualTo(200);

        redis.start(); // same port: Lettuce reconnects
        eventually(() -> get(port, "/readyz").statusCode() == 200);
    }

    private Main.Launched launch(int port, RedisServer redis, ByteArrayOutputStream err) {
        Main.Launched launched = Main.launch(
                List.of(
                        "--port",
                        String.valueOf(port),
                        "--data",
                        data.toString(),
                        "--redis",
                        redis.uri(),
                        "--redis-key",
                        "hub-test"),
                Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(launched.server())
                .as("exit %s: %s", launched.exitCode(), err)
                .isNotNull();
        return launched;
    }

    private HttpResponse<String> get(int port, String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls a condition that a background action makes true (no timing is asserted: 30 s is a hang guard). */
    private static void eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the condition did not hold within 30 s");
            }
            Thread.sleep(20);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
